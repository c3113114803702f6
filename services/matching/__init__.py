"""Finding the group case a complaint belongs with.

- :mod:`.ranking`: ranking a company's cases for a complaint and explaining each match;
- :mod:`.meaning`: each complaint's meaning vector (computed by a job) and each case's profile;
- :mod:`.profile_cache`: each company's case profiles kept in memory per process;
- :mod:`.term_index`: the term index kept in step with complaints and memberships;
- :mod:`.text_terms`: turning Chinese and English text into index terms;
- :mod:`.warm`: the segmenter and the model, loaded once in a parent before it forks.

Nothing is imported here: the evidence anonymizer's child process needs only
:mod:`.text_terms`, and importing ranking would bring SQLAlchemy, the models and numpy along,
0.85 s of every upload's start. Import the module you need.
"""
