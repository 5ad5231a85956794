"""Virtual PBOC bank cards attached to the real pcscd through vsmartcard's vpcd."""
