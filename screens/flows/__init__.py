"""Qt-free state charts of the farmer journeys (testable with a fake clock, no Qt)."""
