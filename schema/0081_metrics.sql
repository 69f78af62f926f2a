-- metrics_business(): schema/functions/metrics_business.sql

-- metrics_current_week(): schema/functions/metrics_current_week.sql
