-- Every alert raised so far, and what became of it.
SELECT al.id, al.message, al.severity,
       concat_ws(' ', CASE WHEN al.email THEN 'e-mail' END,
                 CASE WHEN al.sms THEN 'sms' END) AS wanted,
       CASE WHEN al.suppressed THEN 'suppressed: ' || al.suppressed_reason
            WHEN al.resolved_at IS NOT NULL THEN 'resolved'
            WHEN al.email_sent_at IS NOT NULL OR al.sms_sent_at IS NOT NULL THEN 'sent'
            ELSE 'queued' END AS state
  FROM maintmode.alert al
 ORDER BY al.id;
