/**
 * The account webhooks an operator must act on become series the alerts read
 * (WhatsappNumberQualityDowngraded, WhatsappTemplateBlocked): Meta's own payloads (test/fixtures/whatsapp),
 * signed and POSTed through the real ingest into real JetStream, counted on
 * deskpulse_whatsapp_account_updates_total{field, event} — once, even when Meta sends the webhook again.
 */
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { startNats } from '../helpers/harness.js'
import { startIngest } from '../helpers/ingest.js'
import { postSigned } from '../helpers/webhooks.js'

const fixture = (name: string) => readFile(new URL(`../fixtures/whatsapp/${name}`, import.meta.url))

function series(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const m of text.matchAll(/^deskpulse_whatsapp_account_updates_total\{field="([^"]+)",event="([^"]+)"\} (\d+)$/gm)) out.set(`${m[1]} ${m[2]}`, Number(m[3]))
  return out
}

t.test('quality and template status webhooks are counted by field and event', async (t) => {
  const nats = await startNats(t)
  const { url, privateUrl } = await startIngest(t, nats.nc)
  const before = series(await (await fetch(`${privateUrl}/metrics`)).text())
  t.equal(before.get('phone_number_quality_update FLAGGED'), 0, 'every watched field and event exists at 0 before the first webhook')
  t.equal(before.get('message_template_status_update PAUSED'), 0)
  t.equal(before.size, 5 + 1 + 13 + 1, '5 quality events and 13 template statuses, each field with other')

  for (const name of ['Bindambc_whatsapp-business-java-api_qualityUpdate.json', 'david-lev_pywa_template_status_update-rejected.json', 'david-lev_pywa_template_status_update-approved.json']) {
    const body = await fixture(name)
    t.equal((await postSigned(url, body)).status, 200, name)
    // Meta retries a webhook it got no 200 for; the same payload again is the same event.
    t.equal((await postSigned(url, body)).status, 200, `${name} again`)
  }
  // A webhook of a field not watched here (account_update) changes none of these series.
  t.equal((await postSigned(url, await fixture('david-lev_pywa_template_category_update-marketing.json'))).status, 200)

  const after = series(await (await fetch(`${privateUrl}/metrics`)).text())
  const changed = [...after].filter(([k, v]) => v !== before.get(k))
  t.same(Object.fromEntries(changed), {
    'phone_number_quality_update FLAGGED': 1,
    'message_template_status_update REJECTED': 1,
    'message_template_status_update APPROVED': 1,
  }, 'one count per distinct webhook, under its field and event')
})
