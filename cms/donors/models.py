"""Models of the donor space and the donor e-mails (the donor themselves is `donations.Donor`)."""
