"""policy-qa: retrieval Q&A over Chinese government policy documents (公文) and reply letters.

Modules read top to bottom as the data flows:
load → clean → metadata → chunk → embed → store/lexical → ingest → retrieve → answer → ui/api.
"""

__version__ = "0.1.0"
