"""What the CMS and the static site builder share, with no dependency on either (no Django, no Pelican):
one definition of how money is counted and written, so a receipt, a staff report and a project page never
disagree about "1 250,50 €"."""
