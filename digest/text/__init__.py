"""An article's text: cleaning page furniture, sentences and words, the features stories are grouped by."""
