// A console word table that copies a glossary term (refused).
const T = {
  'nav.map': ['地図', 'Map'],
  // 'state.new' in a comment is no copy.
  'coverage.inspected': ['巡回済み', 'inspected'],
};
