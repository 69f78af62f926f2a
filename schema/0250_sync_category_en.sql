-- The handheld's job screens in English too (issue 14): each assignment
-- carries the category's English name beside the Japanese one, so the
-- screen shows the name of the language it is in. sync_outbound() as in
-- 0150, with 'category_name_en' added.

-- sync_outbound(): its body now is schema/functions/sync_outbound.sql
