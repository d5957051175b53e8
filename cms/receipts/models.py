"""Models of the tax receipts."""
