// An agent's new turn: every call carries a prompt the gateway has not seen (no token count remembered), in Chinese
// (runs of CJK characters with no spaces, the tokenizer's longest pieces: `zh`, or `zh-run` with no punctuation at
// all) or English (`en`). Prints latency percentiles,
// to compare a direct call to the harness's mock upstream with one through Meridian:
//   node bench/new-prompt.mjs http://127.0.0.1:18100/v1/chat/completions "" 30 zh 30000             # direct
//   node bench/new-prompt.mjs http://127.0.0.1:18300/v1/chat/completions 'Bearer …' 30 zh 30000     # Meridian
import { timeCalls } from './time-calls.mjs';

const [url, authorization = '', count = '30', language = 'zh', chars = '30000'] = process.argv.slice(2);
// Common characters and words, picked by a fixed sequence: the same prompts on every run, each call's different.
const zh =
  '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理世';
const en = ['the', 'agent', 'read', 'file', 'and', 'found', 'an', 'error', 'in', 'line', 'while', 'running', 'tests'];

function prompt(call) {
  let text = '';
  for (let index = 0; text.length < Number(chars); index += 1) {
    const pick = (index * 7_919 + call * 104_729) >>> 0;
    text += language === 'en' ? `${en[pick % en.length]} ` : zh[pick % zh.length];
    // 'zh' has a full stop every 97 characters; 'zh-run' none (one tokenizer piece per 2 048 characters).
    if (language === 'zh' && index % 97 === 96) text += '。';
  }
  return text;
}

const bodyFor = (call) =>
  JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt(call) }], max_tokens: 16 });
const latency = await timeCalls({ url, authorization, count: Number(count), bodyFor });
console.log(JSON.stringify({ url, language, chars: Number(chars), ...latency }));
