"""Where articles come from: the inbox's file readers (ingest), news feeds and newsletters."""
