"""Each story's cited summary: sentences chosen, repeats left out, citations decided by claim matching."""
