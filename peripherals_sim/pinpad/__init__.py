"""A KMY-family encrypting PIN pad simulator holding real keys (``kiosk-sim pinpad``)."""
