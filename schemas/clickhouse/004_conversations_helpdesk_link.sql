-- Deep links (issue 16): the helpdesk's own id of the conversation (events' helpdesk_conversation,
-- Chatwoot's display id) and the link to it, rendered from the line's lines.<id>.helpdesk_url when
-- the row is written ('' when either is missing), so Grafana's tables link with the value as it is.
ALTER TABLE conversations ADD COLUMN IF NOT EXISTS helpdesk_conversation String DEFAULT '' AFTER negative_messages;
ALTER TABLE conversations ADD COLUMN IF NOT EXISTS helpdesk_url String DEFAULT '' AFTER helpdesk_conversation;
