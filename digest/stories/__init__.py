"""Articles into stories (one event) and stories into topics; titles, order and continuing stories."""
