"""The protokoll: what it says (context), the document and its PDF/A (document), and the
secretary's live preview (views). Justering of the protokoll is meetings/justering/."""
