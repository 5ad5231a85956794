"""The receipt printer: contract, ESC/POS driver (python-escpos), file and fake backends."""
