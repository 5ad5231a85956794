"""Receipts (回单): the model, templates in the farmer's language, and the reprint store."""
