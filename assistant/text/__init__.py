"""Text handling shared by every stage: words, sentences, force names, terminal safety."""

from assistant.text.dates import readable, report_dates, report_label
from assistant.text.footnotes import footnote_marks
from assistant.text.forces import KNOWN_FORCES, forces_in, names_pattern
from assistant.text.safe import display_name, printable, spreadsheet_cell, to_csv
from assistant.text.sentences import sentence_bounds, sentences
from assistant.text.words import STOPWORDS, document_frequencies, idf, join_names, singular, stem, terms

__all__ = [
    "KNOWN_FORCES", "STOPWORDS", "display_name", "document_frequencies", "footnote_marks", "forces_in", "idf",
    "join_names", "names_pattern", "printable", "readable", "report_dates", "report_label", "sentence_bounds",
    "sentences", "singular", "spreadsheet_cell", "stem", "terms", "to_csv",
]
