"""The encrypting PIN pad (EPP): contract, KMY-family driver, in-process fake."""
