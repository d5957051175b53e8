"""Transparency: money spent (disbursements, four eyes), grants, and (ledger/) the public ledger."""
