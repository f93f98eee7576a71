"""bookgen: write whole books with a language model and watch every word arrive."""
