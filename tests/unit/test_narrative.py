"""Where a case narrative ends, and case titles from an opening sentence."""

from __future__ import annotations

import pytest

from assistant.text.narrative import finding_heading, headline, resumes_report

# The first paragraph after a case in the bundled reports, where the report's own voice
# resumes without a heading (read from the reports).
RESUMES = [
    "However, we found that the demand hub doesn't always conduct research on violent or sexual offenders "
    "before dispatching responding officers.",
    "Senior leaders have acknowledged that adverse childhood experiences have an impact on children and that "
    "enforcement isn't always the most appropriate outcome.",
    "Comprehensive and regularly updated records for missing children are essential if the constabulary and its "
    "partners are to work together effectively to reduce risk.",
    "But staff in NPTs and those working in the hubs aren’t trained in child protection and many don’t have "
    "detective experience.",
    "But we also saw examples of police offender managers inconsistently recording information. This included:",
    "The force has an agreed process with the National Probation Service when probation officers are no longer "
    "supervising offenders.",
    "We saw instances where the initial response to domestic abuse incidents was delayed.",
    "Recommendations",
]
# Paragraphs inside cases: past-tense story, or present tense tied to the case told.
CONTINUES = [
    "Officers are following appropriate lines of enquiry in this continuing investigation. They have arranged "
    "support for the child and her family.",
    "His case notes show that he had talked to specialist officers in the past.",
    "The constabulary records also show that when he was previously reported as missing, officers often found him "
    "with other missing children.",
    "However, the rationale for the powers being authorised was not recorded, nor was the time that the powers "
    "expired.",
    "We brought this matter to the constabulary’s attention, and it has acted appropriately.",
    "The force reviewed this case and is satisfied the child is safe and no evidence of sexual abuse was found.",
    "We asked the force to review the case and it responded that an investigation was ongoing and both victims "
    "are safeguarded.",
    "This means police didn’t oversee the end of the use of the power.",
    "We saw unaccounted-for delays in this investigation.",
    "But officers didn't hold a strategy meeting with CSC or complete a PPN.",
    "- The force didn't identify the child or arrange any safeguarding.",
    "more considering alternative case disposals for children who offend, such as restorative justice.",
]


@pytest.mark.parametrize("paragraph", RESUMES)
def test_the_reports_voice_resuming_ends_a_case(paragraph):
    assert resumes_report(paragraph)


@pytest.mark.parametrize("paragraph", CONTINUES)
def test_the_story_of_the_case_goes_on(paragraph):
    assert not resumes_report(paragraph)


def test_finding_headings_are_not_parts_of_a_case():
    assert finding_heading("There are improved sex offender management processes")
    assert finding_heading("The force doesn’t always attend domestic abuse incidents quickly enough")
    assert not finding_heading("Police response")
    assert not finding_heading("Summary of the concern for safety incident")


def test_headline_shortens_an_opening_sentence():
    assert headline("A 16-year-old girl was reported missing from home.") == "A 16-year-old girl was reported missing from home"
    long = ("Staff in the demand hub quickly identified children (a 17-year-old girl and a three-year-old boy) in the "
            "family home in a domestic abuse case involving an allegation of controlling and coercive behaviour.")
    short = headline(long)
    assert short.endswith("…") and "(" not in short and len(short.split()) <= 12
    assert headline("When officers arrived at the house, they found two children alone, and the "
                    "youngest was hungry and had not been fed.") == "When officers arrived at the house, they found two children alone…"
