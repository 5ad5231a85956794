"""Bank card (PBOC 3.0 / UnionPay IC chip) readers: the contract, the ``pcsc`` driver over
pcscd with pyscard, and the in-process ``fake``."""
