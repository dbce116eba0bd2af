"""What kind of sentence a report sentence is: a finding about the force, a figure, a
recommendation, or background (national guidance, definitions, method). What kind of answer
a question wants is the planner's (retrieve/intent.py).

Inspection reports mix what inspectors found with why it matters: "Forces may move
offenders from active to reactive management" (guidance) sits in the same passage as "SOMU
was reactively managing 145 RSOs" (the finding). A researcher asking how a force handled
something wants the second. These are cheap lexical cues, weighed in the composer's score
(settings: answer.finding_bonus, answer.background_penalty, answer.figure_bonus,
answer.recommendation_penalty).
"""

from __future__ import annotations

import re

# What inspectors say they found, and who did (or failed to do) what.
_FOUND = re.compile(
    r"\bwe (?:found|saw|were told|were pleased|were encouraged|are encouraged|were concerned|are concerned|"
    r"noted|identified|reviewed|examined|assessed|audited|looked at)\b"
    r"|\b(?:the|this) (?:force|constabulary|unit|team|hub)\b|\bforce's\b|\bconstabulary's\b"
    r"|\b(?:officers|staff|supervisors|investigators|call handlers|leaders|managers|inspectors|sergeants)\b",
    re.I,
)
# Judgements and outcomes: good or bad, done or not, how fast.
_JUDGED = re.compile(
    r"\b(?:good|well|effective(?:ly)?|strong|positive|improv\w*|encourag\w*|prompt(?:ly)?|quick(?:ly)?|timely|"
    r"consistent(?:ly)?|inconsistent(?:ly)?|poor(?:ly)?|weak|inadequate|ineffective|confused|limited|insufficient|"
    r"delays?|delayed|backlogs?|too long|too slow|late|lack(?:s|ed|ing)?|fail(?:s|ed|ing)?|missed|concerns?|"
    r"requires? improvement|not always|rarely|never|only|disappointing(?:ly)?|significant(?:ly)?|"
    r"(?:does|did|do|is|was|are|were|has|have|had)n[’']t|(?:does|did|do|is|was|are|were|has|have|had) not)\b",
    re.I,
)
# Background: national guidance and law, definitions, what forces in general may or must do,
# how the inspection was done.
_BACKGROUND = re.compile(
    r"\b(?:guidance|statutory|legislation|the law\b|act \d{4}|college of policing|home office|"
    r"national police chiefs|npcc|working together|national (?:guidelines|standards|policy)|"
    r"is (?:defined|known) as|are (?:defined|known) as|refers? to|stands for|(?:is|are) responsible for|"
    r"(?:has|have) a (?:statutory |legal )?duty|"
    r"our (?:inspection programme|methodology)|this report|annex|appendix|we will|we carried out|"
    r"we inspected|we interviewed|we spoke to|we assessed progress|we returned to|we published|we conducted|"
    r"the (?:review|inspection|audit) included|during (?:this|the|our) (?:inspection|review|post-inspection review),? we)"
    r"|^(?:forces|police forces|all forces|a force|the police|police|children|a child|offenders|"
    r"agencies|partners) (?:may|should|must|can|need to|are required|have a duty)\b",
    re.I,
)
_RECOMMENDS = re.compile(
    r"\bwe recommend\b|\brecommendations?\b|\b(?:force|constabulary|police)\b[^.]{0,60}\bshould\b"
    r"|^within (?:\w+ ){1,2}(?:weeks?|months?)\b",
    re.I,
)
_NUMBER_WORD = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
                r"forty|fifty|hundreds?|thousands?|half|a third|a quarter|dozens?")
# A figure: a number that is not a bare year, a number word, or a share.
_FIGURE = re.compile(
    rf"\b(?!(?:19|20)\d\d\b)\d[\d,]*(?:\.\d+)?(?::\d+)?\b|\b\d+(?:\.\d+)?\s*(?:%|percent|per cent)"
    rf"|\b(?:{_NUMBER_WORD})\b(?=\s+(?:[a-z-]+\s+){{0,2}}(?:cases?|children|offenders|rsos|officers|staff|"
    rf"days?|weeks?|months?|hours?|years?|times|percent|referrals?|incidents?|reports?|meetings?|visits?))"
    r"|\b(?:once|twice) (?:a|an|every|each) (?:day|week|fortnight|month|year)\b|\b(?:daily|weekly|monthly|annually)\b"
    rf"|\b(?:only|just|about|around|nearly|almost|over|under|more than|fewer than|less than) (?:{_NUMBER_WORD})\b",
    re.I,
)
# What a force did: new practice, systems, training, campaigns.
_ACTED = re.compile(
    r"\b(?:introduc\w+|launch\w*|adopt\w*|develop\w*|implement\w*|invest\w*|creat\w+|set up|establish\w*|"
    r"train\w*|initiatives?|campaigns?|programmes?|pilot\w*|appointed|recruited|now (?:has|uses|holds))\b",
    re.I,
)


def finding_cues(text: str) -> int:
    """How many kinds of finding cue the sentence has (who did what; a judgement; an action
    taken): 0-3."""
    return int(bool(_FOUND.search(text))) + int(bool(_JUDGED.search(text))) + int(bool(_ACTED.search(text)))


def is_background(text: str) -> bool:
    return bool(_BACKGROUND.search(text))


_TIMESCALE = re.compile(r"\b(?:within|in the next) (?:\w+ ){1,2}(?:weeks?|months?)\b", re.I)


def has_figure(text: str) -> bool:
    """A number that is not a year or a recommendation's timescale ("within six months")."""
    return bool(_FIGURE.search(_TIMESCALE.sub(" ", text)))


def is_recommendation(text: str) -> bool:
    return bool(_RECOMMENDS.search(text))
