"""The receipt printer: contract, ESC/POS driver (python-escpos), file and fake backends.

Importing this package first puts python-escpos's capability database in place without its
pickle cache (:mod:`devices.printer.escpos_capabilities`).
"""

from devices.printer.escpos_capabilities import install as _install_escpos_capabilities

_install_escpos_capabilities()
