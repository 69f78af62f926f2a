/* A glossary of two terms (glossary_once.py's refused sample). */
const struct glossary_entry glossary[] = {
    {"state.new", "新規", "New"},
    {"coverage.inspected", "巡回済み", "Inspected"},
    {NULL, NULL, NULL},
};
