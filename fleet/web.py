"""The operations console's pages (FastAPI, server-rendered HTML, no JavaScript).

Plain tables and forms that work on the desk's old browser; lists refresh themselves with
``<meta http-equiv="refresh">``. Every text comes from the message catalogs (``fleet.po``),
zh_CN first, en with ``?lang=en``. Operators sign in (scrypt-hashed passwords, a random
session token in an HttpOnly SameSite=Strict cookie, a CSRF token in every form); sign-ins,
failed sign-ins, remote actions and acknowledgements go to the console's audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import html
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from cryptography.hazmat.primitives.asymmetric import ed25519
from fastapi import FastAPI, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)

from fleet.ingest import Ingest
from fleet.store import Store
from kiosk.audit import AuditLog
from kiosk.i18n import Translator
from kiosk.telemetry.wire import COMMANDS, make_command, sign_command

COOKIE = "fleet_session"
LANG_COOKIE = "fleet_lang"
SORTS = {"tid": "tid", "service_point": "service_point", "state": "online",
         "paper": "paper", "last_seen": "last_seen", "unresolved": "unresolved"}
FILTERS = ("all", "online", "offline", "alert", "out_of_service")
PAGE_SIZE = 200
COMMAND_TTL = 300.0

CSS = """
body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;margin:0;color:#111;
background:#fff;font-size:15px}
header{background:#1d3557;color:#fff;padding:8px 16px}
header a{color:#fff;margin-right:18px}
header .who{float:right}
main{padding:12px 16px}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ccc;padding:5px 8px;text-align:left;vertical-align:top}
th a{color:#111}
tr.bad td{background:#fde2e2}
tr.warn td{background:#fff3cd}
.critical{color:#b00020;font-weight:bold}
.warning{color:#8a5a00;font-weight:bold}
.ok{color:#1b5e20}
.muted{color:#666}
form.inline{display:inline}
.box{border:1px solid #ccc;padding:8px 12px;margin:8px 0}
table.cols th{width:180px}
button,input[type=submit]{font-size:15px;padding:4px 12px}
pre{background:#f4f4f4;padding:8px;white-space:pre-wrap;word-break:break-all}
"""


@dataclass
class Console:
    """What the pages work on."""

    store: Store
    ingest: Ingest
    signing_key: ed25519.Ed25519PrivateKey | None
    audit: AuditLog
    state_dir: Path
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    clock: Callable[[], float] = time.time


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def create_app(console: Console) -> FastAPI:
    app = FastAPI(title="kiosk-fleet", docs_url=None, redoc_url=None, openapi_url=None)
    store = console.store

    def lang_of(request: Request) -> str:
        lang = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "zh_CN"
        return lang if lang in ("zh_CN", "en") else "zh_CN"

    def operator_of(request: Request) -> str | None:
        return store.session_operator(request.cookies.get(COOKIE))

    def csrf(request: Request) -> str:
        token = request.cookies.get(COOKIE) or ""
        return hmac.new(console.secret, token.encode(), hashlib.sha256).hexdigest()

    async def form(request: Request) -> dict[str, str]:
        body = (await request.body()).decode("utf-8", "replace")
        return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}

    def page(request: Request, title: str, body: str, *, refresh: int | None = None,
             status: int = 200) -> HTMLResponse:
        lang = lang_of(request)
        tr = Translator(lang)
        who = operator_of(request)
        nav = ""
        if who:
            nav = (f'<a href="/">{esc(tr("fleet.nav.terminals"))}</a>'
                   f'<a href="/alerts">{esc(tr("fleet.nav.alerts"))}</a>'
                   f'<span class="who">{esc(tr("fleet.nav.signed_in_as", name=who))} '
                   f'<form class="inline" method="post" action="/logout">'
                   f'<input type="hidden" name="csrf" value="{csrf(request)}">'
                   f'<input type="submit" value="{esc(tr("fleet.nav.sign_out"))}"></form></span>')
        other = "en" if lang == "zh_CN" else "zh_CN"
        qs = dict(request.query_params)
        qs["lang"] = other
        switch = f'<a href="?{esc(urlencode(qs))}">{esc(tr("fleet.nav.language"))}</a>'
        meta = f'<meta http-equiv="refresh" content="{refresh}">' if refresh else ""
        doc = (f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh_CN" else "en"}"><head>'
               f'<meta charset="utf-8">{meta}<title>{esc(title)} · '
               f'{esc(tr("fleet.app_name"))}</title><style>{CSS}</style></head><body>'
               f'<header><b>{esc(tr("fleet.app_name"))}</b> &nbsp; {nav} {switch}</header>'
               f'<main><h1>{esc(title)}</h1>{body}</main></body></html>')
        resp = HTMLResponse(doc, status_code=status)
        if request.query_params.get("lang") in ("zh_CN", "en"):
            resp.set_cookie(LANG_COOKIE, lang, httponly=True, samesite="strict")
        return resp

    class _NotSignedIn(Exception):
        pass

    @app.exception_handler(_NotSignedIn)
    async def to_login(request: Request, exc: _NotSignedIn) -> Response:
        return RedirectResponse("/login?" + urlencode({"next": request.url.path}), 303)

    def signed_in(request: Request) -> tuple[str, Translator]:
        """The operator and their language; every page but sign-in needs one."""
        who = operator_of(request)
        if not who:
            raise _NotSignedIn
        return who, Translator(lang_of(request))

    def ago(tr: Translator, ts: float | None) -> str:
        if ts is None:
            return tr("fleet.never")
        s = max(0, console.clock() - ts)
        if s < 90:
            return tr("fleet.ago.seconds", n=int(s))
        if s < 5400:
            return tr("fleet.ago.minutes", n=int(s // 60))
        if s < 172800:
            return tr("fleet.ago.hours", n=int(s // 3600))
        return tr("fleet.ago.days", n=int(s // 86400))

    def when(ts: float | None) -> str:
        if ts is None:
            return ""
        return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")

    def state_text(tr: Translator, online: Any, mode: Any) -> str:
        if online is None:
            return tr("fleet.state.unknown")
        if not online:
            return tr("fleet.state.offline")
        return tr("fleet.state.online") + " · " + tr(f"fleet.mode.{mode or 'unknown'}")

    def paper_text(tr: Translator, paper: Any) -> str:
        return tr(f"fleet.paper.{paper if paper in ('ok', 'near_end', 'out') else 'unknown'}")

    # --- sign in ------------------------------------------------------------------------

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, error: str = "") -> HTMLResponse:
        tr = Translator(lang_of(request))
        nxt = request.query_params.get("next") or "/"
        msg = f'<p class="critical">{esc(tr("fleet.login.failed"))}</p>' if error else ""
        body = (f'{msg}<form method="post" action="/login" class="box">'
                f'<input type="hidden" name="next" value="{esc(nxt)}">'
                f'<p><label>{esc(tr("fleet.login.name"))}<br>'
                f'<input name="name" id="name" autocomplete="username"></label></p>'
                f'<p><label>{esc(tr("fleet.login.password"))}<br>'
                f'<input name="password" id="password" type="password" '
                f'autocomplete="current-password"></label></p>'
                f'<p><input type="submit" id="signin" value="{esc(tr("fleet.login.submit"))}">'
                f'</p></form>')
        return page(request, tr("fleet.login.title"), body)

    @app.post("/login")
    async def login(request: Request) -> Response:
        f = await form(request)
        name, password = f.get("name", "").strip(), f.get("password", "")
        nxt = f.get("next") or "/"
        if not nxt.startswith("/") or nxt.startswith("//"):
            nxt = "/"
        if not store.check_operator(name, password):
            console.audit.append(f"operator:{name or '-'}", "console.sign_in_failed",
                                 {"from": request.client.host if request.client else None})
            return RedirectResponse("/login?error=1", 303)
        token = store.new_session(name)
        console.audit.append(f"operator:{name}", "console.sign_in", {})
        resp = RedirectResponse(nxt, 303)
        resp.set_cookie(COOKIE, token, httponly=True, samesite="strict")
        return resp

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        f = await form(request)
        token = request.cookies.get(COOKIE)
        if token and hmac.compare_digest(f.get("csrf", ""), csrf(request)):
            who = store.session_operator(token)
            store.end_session(token)
            if who:
                console.audit.append(f"operator:{who}", "console.sign_out", {})
        resp = RedirectResponse("/login", 303)
        resp.delete_cookie(COOKIE)
        return resp

    # --- the terminal list -------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    def terminals(request: Request) -> Response:
        _who, tr = signed_in(request)
        qp = request.query_params
        sort = str(qp.get("sort")) if qp.get("sort") in SORTS else "tid"
        desc = qp.get("dir") == "desc"
        flt = qp.get("state") if qp.get("state") in FILTERS else "all"
        q = (qp.get("q") or "").strip()
        try:
            page_no = max(0, int(qp.get("page", "0")))
        except ValueError:
            page_no = 0
        where, args = [], []
        if q:
            where.append("(tid LIKE ? OR service_point LIKE ?)")
            args += [f"%{q}%", f"%{q}%"]
        if flt == "online":
            where.append("online=1")
        elif flt == "offline":
            where.append("(online=0 OR online IS NULL)")
        elif flt == "out_of_service":
            where.append("mode='outOfService'")
        elif flt == "alert":
            where.append("tid IN (SELECT tid FROM alerts WHERE closed IS NULL)")
        sql_where = (" WHERE " + " AND ".join(where)) if where else ""
        order = f"{SORTS[sort]} {'DESC' if desc else 'ASC'}, tid"
        (total,) = tuple(store.one(f"SELECT COUNT(*) FROM terminals{sql_where}", args) or (0,))
        rows = store.query(
            f"SELECT tid, service_point, online, mode, paper, last_seen, unresolved FROM "
            f"terminals{sql_where} ORDER BY {order} LIMIT ? OFFSET ?",
            [*args, PAGE_SIZE, page_no * PAGE_SIZE])
        alerting = {r["tid"]: r["sev"] for r in store.query(
            "SELECT tid, MIN(severity) AS sev FROM alerts WHERE closed IS NULL GROUP BY tid")}

        def head(col: str) -> str:
            nd = "asc" if (sort != col or desc) else "desc"
            params = {"sort": col, "dir": nd, "state": flt, "q": q}
            arrow = (" ▼" if desc else " ▲") if sort == col else ""
            return (f'<th><a id="sort-{col}" href="/?{esc(urlencode(params))}">'
                    f'{esc(tr("fleet.col." + col))}{arrow}</a></th>')

        options = "".join(
            f'<option value="{f}"{" selected" if f == flt else ""}>'
            f'{esc(tr("fleet.filter." + f))}</option>' for f in FILTERS)
        body = [f'<form method="get" action="/" class="box">'
                f'<label>{esc(tr("fleet.filter.search"))} <input name="q" id="q" '
                f'value="{esc(q)}"></label> '
                f'<label>{esc(tr("fleet.filter.state"))} <select name="state" id="state">'
                f'{options}</select></label> '
                f'<input type="hidden" name="sort" value="{sort}">'
                f'<input type="hidden" name="dir" value="{"desc" if desc else "asc"}">'
                f'<input type="submit" id="apply" value="{esc(tr("fleet.filter.apply"))}">'
                f'</form>',
                f'<p class="muted">{esc(tr("fleet.list.count", n=total))}</p>',
                '<table id="terminals"><tr>' + "".join(head(c) for c in SORTS) + "</tr>"]
        for r in rows:
            sev = alerting.get(r["tid"])
            cls = ' class="bad"' if sev == "critical" else (' class="warn"' if sev else "")
            body.append(
                f'<tr{cls} data-tid="{esc(r["tid"])}">'
                f'<td><a href="/t/{esc(r["tid"])}">{esc(r["tid"])}</a></td>'
                f'<td>{esc(r["service_point"])}</td>'
                f'<td>{esc(state_text(tr, r["online"], r["mode"]))}</td>'
                f'<td>{esc(paper_text(tr, r["paper"]))}</td>'
                f'<td title="{esc(when(r["last_seen"]))}">{esc(ago(tr, r["last_seen"]))}</td>'
                f'<td>{esc("" if r["unresolved"] is None else r["unresolved"])}</td></tr>')
        body.append("</table>")
        pages = []
        if page_no > 0:
            pages.append(f'<a href="/?{esc(urlencode({**dict(qp), "page": page_no - 1}))}">'
                         f'{esc(tr("fleet.list.previous"))}</a>')
        if (page_no + 1) * PAGE_SIZE < total:
            pages.append(f'<a href="/?{esc(urlencode({**dict(qp), "page": page_no + 1}))}">'
                         f'{esc(tr("fleet.list.next"))}</a>')
        body.append("<p>" + " ".join(pages) + "</p>")
        return page(request, tr("fleet.list.title"), "".join(body), refresh=30)

    # --- one terminal ------------------------------------------------------------------

    def sparkline(values: list[float | None], width: int = 360, height: int = 48) -> str:
        pts = [v for v in values if v is not None]
        if len(pts) < 2:
            return ""
        lo, hi = min(pts), max(pts)
        span = (hi - lo) or 1.0
        step = width / max(1, len(values) - 1)
        coords = " ".join(f"{i * step:.1f},{height - 4 - (v - lo) / span * (height - 8):.1f}"
                          for i, v in enumerate(values) if v is not None)
        return (f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
                f'xmlns="http://www.w3.org/2000/svg"><polyline fill="none" stroke="#1d3557" '
                f'stroke-width="2" points="{coords}"/></svg>')

    def ticks(times: list[float], span: float = 3600.0, width: int = 360) -> str:
        now = console.clock()
        marks = "".join(
            f'<line x1="{width - (now - t) / span * width:.1f}" y1="2" '
            f'x2="{width - (now - t) / span * width:.1f}" y2="18" stroke="#2e7d32"/>'
            for t in times if now - t <= span)
        return (f'<svg width="{width}" height="20" xmlns="http://www.w3.org/2000/svg">'
                f'<rect x="0" y="0" width="{width}" height="20" fill="#f4f4f4"/>{marks}</svg>')

    @app.get("/t/{tid}", response_class=HTMLResponse)
    def terminal(request: Request, tid: str) -> Response:
        _who, tr = signed_in(request)
        r = store.one("SELECT * FROM terminals WHERE tid=?", (tid,))
        if r is None:
            return page(request, tr("fleet.detail.unknown", tid=tid), "", status=404)
        hb = json.loads(r["hb_json"]) if r["hb_json"] else {}
        hbs = list(reversed(store.query(
            "SELECT seq, ts, recv, rss_mb, outbox_depth FROM heartbeats WHERE tid=? "
            "ORDER BY seq DESC LIMIT 60", (tid,))))
        events = store.query("SELECT ts, kind, detail FROM events WHERE tid=? "
                             "ORDER BY ts DESC LIMIT 30", (tid,))
        alerts = store.query("SELECT kind, severity, detail, opened FROM alerts WHERE tid=? "
                             "AND closed IS NULL ORDER BY opened", (tid,))
        actions = store.query("SELECT id, cmd, operator, issued, ok, reply_ts FROM actions "
                              "WHERE tid=? ORDER BY issued DESC LIMIT 10", (tid,))
        shot = store.one("SELECT id FROM actions WHERE tid=? AND screenshot IS NOT NULL "
                         "ORDER BY reply_ts DESC LIMIT 1", (tid,))

        def kv(label: str, value: Any) -> str:
            return f'<tr><th>{esc(tr(label))}</th><td>{esc(dash(value))}</td></tr>'

        def dash(value: Any) -> Any:
            return "—" if value is None or value == "" else value

        def age(seconds: Any) -> str:
            if not isinstance(seconds, (int, float)):
                return ""
            return tr("fleet.detail.age", minutes=int(seconds // 60))

        restarts = hb.get("restarts") or {}
        host = hb.get("host") or {}
        journal = hb.get("journal") or {}
        outbox = hb.get("outbox") or {}
        audit = hb.get("audit") or {}
        versions = hb.get("versions") or {}
        mem = hb.get("memory") or {}
        info = "".join([
            kv("fleet.detail.service_point", r["service_point"]),
            kv("fleet.col.state", state_text(tr, r["online"], r["mode"])),
            kv("fleet.detail.journey", hb.get("journey") or "—"),
            kv("fleet.col.last_seen", f'{ago(tr, r["last_seen"])} ({when(r["last_seen"])})'),
            kv("fleet.detail.versions", ", ".join(f"{k} {v}" for k, v in versions.items())),
            kv("fleet.detail.uptime", f'{(hb.get("uptime_s") or 0) / 3600:.1f} h'),
            kv("fleet.detail.restarts", ", ".join(f"{k}={v}" for k, v in restarts.items())),
            kv("fleet.detail.memory", tr("fleet.detail.memory_text", rss=mem.get("rss_mb"),
                                         free=mem.get("available_mb"))),
            kv("fleet.detail.disk", f'{(hb.get("disk") or {}).get("free_mb")} MB'),
            kv("fleet.detail.host", " · ".join(x for x in (
                tr("fleet.state.unknown") if host.get("online") is None else
                tr("fleet.state.online") if host.get("online") else tr("fleet.state.offline"),
                f'{host["latency_ms"]} ms' if host.get("latency_ms") is not None else "",
                tr("fleet.detail.signed_in") if host.get("signed_in") else "") if x)),
            kv("fleet.detail.clock_skew", hb.get("clock_skew_s")),
            kv("fleet.col.unresolved", f'{dash(journal.get("unresolved"))} '
                                       f'{age(journal.get("oldest_unresolved_age_s"))}'),
            kv("fleet.detail.outbox", f'{dash(outbox.get("depth"))} '
                                      f'{age(outbox.get("oldest_age_s"))}'),
            kv("fleet.detail.last_txn", when(hb.get("last_txn"))),
            kv("fleet.detail.audit", f'#{audit.get("seq")} {str(audit.get("hash"))[:16]}…'
               if audit else "—"),
        ])
        devices = "".join(
            f'<tr><td>{esc(k)}</td><td>{esc(v.get("state"))}</td><td>'
            f'{esc(", ".join(f"{a}={b}" for a, b in v.items() if a != "state"))}</td></tr>'
            for k, v in (hb.get("devices") or {}).items())
        body = [f'<table class="cols" id="info">{info}</table>',
                f'<h2>{esc(tr("fleet.detail.devices"))}</h2><table id="devices">{devices}'
                '</table>',
                f'<h2>{esc(tr("fleet.detail.heartbeats"))}</h2>'
                f'<p>{esc(tr("fleet.detail.spark_rss"))}<br>'
                f'{sparkline([h["rss_mb"] for h in hbs])}</p>'
                f'<p>{esc(tr("fleet.detail.spark_arrivals"))}<br>'
                f'{ticks([h["recv"] for h in hbs])}</p>']
        if alerts:
            body.append(f'<h2>{esc(tr("fleet.nav.alerts"))}</h2><ul>' + "".join(
                f'<li class="{esc(a["severity"])}">{esc(tr("fleet.alert." + a["kind"]))}: '
                f'{esc(alert_text(tr, a["kind"], a["detail"]))}</li>' for a in alerts) + "</ul>")
        buttons = "".join(
            f'<a id="act-{c}" href="/t/{esc(tid)}/confirm/{c}">'
            f'<button>{esc(tr("fleet.cmd." + c))}</button></a> ' for c in COMMANDS)
        body.append(f'<h2>{esc(tr("fleet.detail.actions"))}</h2><p>{buttons}</p>')
        if actions:
            body.append("<table>" + "".join(
                f'<tr><td><a href="/actions/{esc(a["id"])}">{esc(tr("fleet.cmd." + a["cmd"]))}'
                f'</a></td><td>{esc(a["operator"])}</td><td>{esc(when(a["issued"]))}</td>'
                f'<td>{esc(action_state(tr, a["ok"], a["reply_ts"]))}</td></tr>'
                for a in actions) + "</table>")
        if shot is not None:
            body.append(f'<h2>{esc(tr("fleet.detail.screenshot"))}</h2>'
                        f'<p><a href="/actions/{esc(shot["id"])}">'
                        f'<img src="/screenshots/{esc(shot["id"])}.png" width="320" '
                        f'alt="{esc(tr("fleet.detail.screenshot"))}"></a></p>')
        body.append(f'<h2>{esc(tr("fleet.detail.events"))}</h2><table id="events">' + "".join(
            f'<tr><td>{esc(when(e["ts"]))}</td><td>{esc(e["kind"])}</td>'
            f'<td>{esc(e["detail"])}</td></tr>' for e in events) + "</table>")
        return page(request, tr("fleet.detail.title", tid=tid), "".join(body), refresh=30)

    def alert_text(tr: Translator, kind: str, detail: str) -> str:
        try:
            fields = json.loads(detail)
        except ValueError:
            return detail
        try:
            return tr("fleet.alert_text." + kind, **fields)
        except (KeyError, IndexError):
            return detail

    def action_state(tr: Translator, ok: Any, reply_ts: Any) -> str:
        if reply_ts is None:
            return tr("fleet.action.pending")
        return tr("fleet.action.done") if ok else tr("fleet.action.failed")

    # --- remote actions ----------------------------------------------------------------

    @app.get("/t/{tid}/confirm/{cmd}", response_class=HTMLResponse)
    def confirm(request: Request, tid: str, cmd: str) -> Response:
        _who, tr = signed_in(request)
        if cmd not in COMMANDS or store.one("SELECT 1 FROM terminals WHERE tid=?",
                                            (tid,)) is None:
            return page(request, tr("fleet.action.unknown"), "", status=404)
        extra = ""
        if cmd == "out_of_service":
            extra = (f'<p><label>{esc(tr("fleet.action.reason"))}<br>'
                     f'<input name="reason" id="reason" size="40" required></label></p>')
        elif cmd == "logs":
            extra = (f'<p><label>{esc(tr("fleet.action.lines"))} '
                     f'<input name="lines" id="lines" value="100" size="5"></label></p>')
        body = (f'<form method="post" action="/t/{esc(tid)}/action/{cmd}" class="box">'
                f'<p>{esc(tr("fleet.action.confirm_text", cmd=tr("fleet.cmd." + cmd), tid=tid))}'
                f'</p>{extra}<input type="hidden" name="csrf" value="{csrf(request)}">'
                f'<input type="submit" id="confirm" value="{esc(tr("fleet.action.confirm"))}">'
                f' <a href="/t/{esc(tid)}">{esc(tr("fleet.action.cancel"))}</a></form>')
        return page(request, tr("fleet.cmd." + cmd), body)

    @app.post("/t/{tid}/action/{cmd}")
    async def act(request: Request, tid: str, cmd: str) -> Response:
        who, tr = signed_in(request)
        f = await form(request)
        if not hmac.compare_digest(f.get("csrf", ""), csrf(request)):
            return page(request, tr("fleet.action.bad_form"), "", status=403)
        if cmd not in COMMANDS or console.signing_key is None:
            return page(request, tr("fleet.action.unknown"), "", status=404)
        args: dict[str, Any] = {}
        if cmd == "out_of_service":
            args["reason"] = f.get("reason", "")[:200]
        elif cmd == "logs":
            try:
                args["lines"] = max(1, min(500, int(f.get("lines", "100"))))
            except ValueError:
                args["lines"] = 100
        body = make_command(tid, cmd, args, operator=who, ttl=COMMAND_TTL)
        store.add_action(body)
        console.audit.append(f"operator:{who}", f"console.{cmd}",
                             {"terminal": tid, "id": body["id"], "args": args})
        console.ingest.publish_command(tid, sign_command(body, console.signing_key))
        return RedirectResponse(f"/actions/{body['id']}", 303)

    @app.get("/actions/{aid}", response_class=HTMLResponse)
    def action(request: Request, aid: str) -> Response:
        _who, tr = signed_in(request)
        a = store.one("SELECT * FROM actions WHERE id=?", (aid,))
        if a is None:
            return page(request, tr("fleet.action.unknown"), "", status=404)
        reply = json.loads(a["reply"]) if a["reply"] else None
        state = action_state(tr, a["ok"], a["reply_ts"])
        expired = reply is None and console.clock() > a["expires"]
        if expired:
            state = tr("fleet.action.expired")
        body = [f'<p><a href="/t/{esc(a["tid"])}">{esc(a["tid"])}</a> · '
                f'{esc(tr("fleet.cmd." + a["cmd"]))} · {esc(a["operator"])} · '
                f'{esc(when(a["issued"]))}</p><p id="state" class="'
                f'{"ok" if a["ok"] else ("critical" if reply else "muted")}">{esc(state)}</p>']
        if reply is not None:
            if reply.get("refused") or reply.get("error"):
                reason = reply.get("refused") or reply.get("error")
                body.append(f'<p class="critical" id="reason">'
                            f'{esc(tr("fleet.reply." + str(reason)))}</p>')
            if a["screenshot"]:
                body.append(f'<p><img id="shot" src="/screenshots/{esc(a["screenshot"])}" '
                            f'style="max-width:100%;border:1px solid #999" alt="'
                            f'{esc(tr("fleet.detail.screenshot"))}"></p>')
            if reply.get("lines") is not None:
                body.append("<pre>" + esc("\n".join(reply["lines"])) + "</pre>")
            if reply.get("devices") is not None:
                body.append("<table>" + "".join(
                    f'<tr><td>{esc(k)}</td><td>{esc(v.get("code"))}</td>'
                    f'<td>{esc(json.dumps(v.get("status"), ensure_ascii=False))}</td></tr>'
                    for k, v in reply["devices"].items()) + "</table>")
        refresh = None if (reply is not None or expired) else 2
        return page(request, tr("fleet.action.title"), "".join(body), refresh=refresh)

    @app.get("/screenshots/{name}")
    def screenshot(request: Request, name: str) -> Response:
        if not operator_of(request):
            return Response(status_code=403)
        path = console.state_dir / "screenshots" / Path(name).name
        if not path.is_file() or path.suffix != ".png":
            return Response(status_code=404)
        return FileResponse(path, media_type="image/png")

    # --- alerts --------------------------------------------------------------------------

    @app.get("/alerts", response_class=HTMLResponse)
    def alerts(request: Request) -> Response:
        _who, tr = signed_in(request)
        open_rows = store.query(
            "SELECT a.id, a.tid, a.kind, a.severity, a.detail, a.opened, t.service_point "
            "FROM alerts a LEFT JOIN terminals t ON t.tid=a.tid WHERE a.closed IS NULL "
            "ORDER BY a.severity, a.opened")
        closed_rows = store.query(
            "SELECT tid, kind, severity, detail, opened, closed, acked_by FROM alerts "
            "WHERE closed IS NOT NULL ORDER BY closed DESC LIMIT 50")
        token = csrf(request)
        body = [f'<h2>{esc(tr("fleet.alerts.open", n=len(open_rows)))}</h2>'
                '<table id="open-alerts"><tr>'
                f'<th>{esc(tr("fleet.alerts.severity"))}</th>'
                f'<th>{esc(tr("fleet.col.tid"))}</th>'
                f'<th>{esc(tr("fleet.col.service_point"))}</th>'
                f'<th>{esc(tr("fleet.alerts.kind"))}</th>'
                f'<th>{esc(tr("fleet.alerts.detail"))}</th>'
                f'<th>{esc(tr("fleet.alerts.since"))}</th><th></th></tr>']
        for a in open_rows:
            cls = "bad" if a["severity"] == "critical" else "warn"
            body.append(
                f'<tr class="{cls}" data-kind="{esc(a["kind"])}" data-tid="{esc(a["tid"])}">'
                f'<td class="{esc(a["severity"])}">'
                f'{esc(tr("fleet.severity." + a["severity"]))}</td>'
                f'<td><a href="/t/{esc(a["tid"])}">{esc(a["tid"])}</a></td>'
                f'<td>{esc(a["service_point"])}</td>'
                f'<td>{esc(tr("fleet.alert." + a["kind"]))}</td>'
                f'<td>{esc(alert_text(tr, a["kind"], a["detail"]))}</td>'
                f'<td title="{esc(when(a["opened"]))}">{esc(ago(tr, a["opened"]))}</td>'
                f'<td><form class="inline" method="post" action="/alerts/{a["id"]}/ack">'
                f'<input type="hidden" name="csrf" value="{token}">'
                f'<input type="submit" value="{esc(tr("fleet.alerts.ack"))}"></form></td></tr>')
        body.append("</table>")
        body.append(f'<h2>{esc(tr("fleet.alerts.closed"))}</h2><table id="closed-alerts">')
        for a in closed_rows:
            body.append(f'<tr><td>{esc(a["tid"])}</td><td>{esc(tr("fleet.alert." + a["kind"]))}'
                        f'</td><td>{esc(alert_text(tr, a["kind"], a["detail"]))}</td>'
                        f'<td>{esc(when(a["opened"]))} – '
                        f'{esc(when(a["closed"]))}</td><td>{esc(a["acked_by"] or "")}</td></tr>')
        body.append("</table>")
        return page(request, tr("fleet.nav.alerts"), "".join(body), refresh=15)

    @app.post("/alerts/{aid}/ack")
    async def ack(request: Request, aid: int) -> Response:
        who, _tr = signed_in(request)
        f = await form(request)
        if not hmac.compare_digest(f.get("csrf", ""), csrf(request)):
            return Response(status_code=403)
        if console.ingest.acknowledge(aid, who):
            console.audit.append(f"operator:{who}", "console.ack_alert", {"alert": aid})
        return RedirectResponse("/alerts", 303)

    # --- machine-readable ----------------------------------------------------------------

    @app.get("/api/stats")
    def stats(window: float = 60.0) -> JSONResponse:
        """Aggregate figures only (no terminal data): the benchmark reads them."""
        return JSONResponse(console.ingest.stats(max(1.0, min(window, 3600.0))))

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        return JSONResponse({"ok": True, "broker": console.ingest.connected.is_set()})

    return app
