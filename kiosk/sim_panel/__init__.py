"""The simulator panel (a second window to play the farmer) and the app side of ``--sim``."""
