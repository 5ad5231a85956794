"""Voice guidance devices: the contract, the recording fake and espeak-ng in a child process."""
