"""The Vision d'Amour CMS: one package of Django apps (labels without the `cms.` prefix)."""
