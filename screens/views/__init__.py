"""One widget per step of a journey; built once and reused (no per-customer widgets)."""
