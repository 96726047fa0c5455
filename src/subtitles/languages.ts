/**
 * ISO 639 language codes, as channels, the library and the players trade them. Retrovue keeps
 * one form everywhere, ISO 639-2/B ("ger", "fre", "chi": what MPEG-TS language descriptors and
 * most MKV tags carry), and accepts the other forms people and files use: ISO 639-1 ("de") and
 * ISO 639-2/T ("deu"). Pure: no I/O, usable from the config, the library and the control room.
 */

/**
 * The languages that have an ISO 639-1 code (every language a subtitle file name or a player
 * menu realistically names), plus the special codes: `B|T|1|Name|other names`. T and 1 are
 * empty where the language has none. Built from the iso-codes package's ISO 639-2 table,
 * names shortened to the one a menu shows.
 */
const TABLE = [
  'aar||aa|Afar',
  'abk||ab|Abkhazian',
  'afr||af|Afrikaans',
  'aka||ak|Akan',
  'alb|sqi|sq|Albanian',
  'amh||am|Amharic',
  'ara||ar|Arabic',
  'arg||an|Aragonese',
  'arm|hye|hy|Armenian',
  'asm||as|Assamese',
  'ava||av|Avaric',
  'ave||ae|Avestan',
  'aym||ay|Aymara',
  'aze||az|Azerbaijani',
  'bak||ba|Bashkir',
  'bam||bm|Bambara',
  'baq|eus|eu|Basque',
  'bel||be|Belarusian',
  'ben||bn|Bengali',
  'bih||bh|Bihari languages',
  'bis||bi|Bislama',
  'bos||bs|Bosnian',
  'bre||br|Breton',
  'bul||bg|Bulgarian',
  'bur|mya|my|Burmese',
  'cat||ca|Catalan|Valencian',
  'cha||ch|Chamorro',
  'che||ce|Chechen',
  'chi|zho|zh|Chinese',
  'chu||cu|Church Slavic|Old Slavonic|Church Slavonic|Old Bulgarian|Old Church Slavonic',
  'chv||cv|Chuvash',
  'cor||kw|Cornish',
  'cos||co|Corsican',
  'cre||cr|Cree',
  'cze|ces|cs|Czech',
  'dan||da|Danish',
  'div||dv|Divehi|Dhivehi|Maldivian',
  'dut|nld|nl|Dutch|Flemish',
  'dzo||dz|Dzongkha',
  'eng||en|English',
  'epo||eo|Esperanto',
  'est||et|Estonian',
  'ewe||ee|Ewe',
  'fao||fo|Faroese',
  'fij||fj|Fijian',
  'fil|||Filipino|Pilipino',
  'fin||fi|Finnish',
  'fre|fra|fr|French',
  'fry||fy|Western Frisian',
  'ful||ff|Fulah',
  'geo|kat|ka|Georgian',
  'ger|deu|de|German',
  'gla||gd|Gaelic|Scottish Gaelic',
  'gle||ga|Irish',
  'glg||gl|Galician',
  'glv||gv|Manx',
  'gre|ell|el|Greek',
  'grn||gn|Guarani',
  'guj||gu|Gujarati',
  'hat||ht|Haitian|Haitian Creole',
  'hau||ha|Hausa',
  'haw|||Hawaiian',
  'heb||he|Hebrew',
  'her||hz|Herero',
  'hin||hi|Hindi',
  'hmo||ho|Hiri Motu',
  'hrv||hr|Croatian',
  'hun||hu|Hungarian',
  'ibo||ig|Igbo',
  'ice|isl|is|Icelandic',
  'ido||io|Ido',
  'iii||ii|Sichuan Yi|Nuosu',
  'iku||iu|Inuktitut',
  'ile||ie|Interlingue|Occidental',
  'ina||ia|Interlingua',
  'ind||id|Indonesian',
  'ipk||ik|Inupiaq',
  'ita||it|Italian',
  'jav||jv|Javanese',
  'jpn||ja|Japanese',
  'kal||kl|Kalaallisut|Greenlandic',
  'kan||kn|Kannada',
  'kas||ks|Kashmiri',
  'kau||kr|Kanuri',
  'kaz||kk|Kazakh',
  'khm||km|Central Khmer',
  'kik||ki|Kikuyu|Gikuyu',
  'kin||rw|Kinyarwanda',
  'kir||ky|Kirghiz|Kyrgyz',
  'kom||kv|Komi',
  'kon||kg|Kongo',
  'kor||ko|Korean',
  'kua||kj|Kuanyama|Kwanyama',
  'kur||ku|Kurdish',
  'lao||lo|Lao',
  'lat||la|Latin',
  'lav||lv|Latvian',
  'lim||li|Limburgan|Limburger|Limburgish',
  'lin||ln|Lingala',
  'lit||lt|Lithuanian',
  'ltz||lb|Luxembourgish|Letzeburgesch',
  'lub||lu|Luba-Katanga',
  'lug||lg|Ganda',
  'mac|mkd|mk|Macedonian',
  'mah||mh|Marshallese',
  'mal||ml|Malayalam',
  'mao|mri|mi|Maori',
  'mar||mr|Marathi',
  'may|msa|ms|Malay',
  'mis|||Uncoded language|Uncoded languages',
  'mlg||mg|Malagasy',
  'mlt||mt|Maltese',
  'mon||mn|Mongolian',
  'mul|||Multiple languages',
  'nau||na|Nauru',
  'nav||nv|Navajo|Navaho',
  'nbl||nr|South Ndebele',
  'nde||nd|North Ndebele',
  'ndo||ng|Ndonga',
  'nep||ne|Nepali',
  'nno||nn|Norwegian Nynorsk',
  'nob||nb|Norwegian Bokmål',
  'nor||no|Norwegian',
  'nya||ny|Chichewa|Chewa|Nyanja',
  'oci||oc|Occitan|Provençal',
  'oji||oj|Ojibwa',
  'ori||or|Oriya',
  'orm||om|Oromo',
  'oss||os|Ossetian|Ossetic',
  'pan||pa|Panjabi|Punjabi',
  'per|fas|fa|Persian',
  'pli||pi|Pali',
  'pol||pl|Polish',
  'por||pt|Portuguese',
  'pus||ps|Pushto|Pashto',
  'que||qu|Quechua',
  'roh||rm|Romansh',
  'rum|ron|ro|Romanian|Moldavian|Moldovan',
  'run||rn|Rundi',
  'rus||ru|Russian',
  'sag||sg|Sango',
  'san||sa|Sanskrit',
  'sin||si|Sinhala|Sinhalese',
  'slo|slk|sk|Slovak',
  'slv||sl|Slovenian',
  'sme||se|Northern Sami',
  'smo||sm|Samoan',
  'sna||sn|Shona',
  'snd||sd|Sindhi',
  'som||so|Somali',
  'sot||st|Southern Sotho',
  'spa||es|Spanish|Castilian',
  'srd||sc|Sardinian',
  'srp||sr|Serbian',
  'ssw||ss|Swati',
  'sun||su|Sundanese',
  'swa||sw|Swahili',
  'swe||sv|Swedish',
  'tah||ty|Tahitian',
  'tam||ta|Tamil',
  'tat||tt|Tatar',
  'tel||te|Telugu',
  'tgk||tg|Tajik',
  'tgl||tl|Tagalog',
  'tha||th|Thai',
  'tib|bod|bo|Tibetan',
  'tir||ti|Tigrinya',
  'ton||to|Tongan',
  'tsn||tn|Tswana',
  'tso||ts|Tsonga',
  'tuk||tk|Turkmen',
  'tur||tr|Turkish',
  'twi||tw|Twi',
  'uig||ug|Uighur|Uyghur',
  'ukr||uk|Ukrainian',
  'und|||Unknown language|Undetermined',
  'urd||ur|Urdu',
  'uzb||uz|Uzbek',
  'ven||ve|Venda',
  'vie||vi|Vietnamese',
  'vol||vo|Volapük',
  'wel|cym|cy|Welsh',
  'wln||wa|Walloon',
  'wol||wo|Wolof',
  'xho||xh|Xhosa',
  'yid||yi|Yiddish',
  'yor||yo|Yoruba',
  'zha||za|Zhuang|Chuang',
  'zul||zu|Zulu',
  'zxx|||No linguistic content|Not applicable',
];

interface Language {
  code: string;
  name: string;
}

const byCode = new Map<string, Language>();
const byName = new Map<string, Language>();
for (const row of TABLE) {
  const [b, t, one, name, ...others] = row.split('|') as [string, string, string, string, ...string[]];
  const language = { code: b, name };
  for (const code of [b, t, one]) if (code) byCode.set(code, language);
  for (const alias of [name, ...others]) byName.set(alias.toLowerCase(), language);
}

/**
 * Names people put in file names that are not the English ones in the table: the languages'
 * own names and a few common mislabels (country codes used as language codes by rippers).
 */
const OTHER_NAMES: Record<string, string> = {
  español: 'spa', espanol: 'spa', castellano: 'spa', latino: 'spa',
  deutsch: 'ger', français: 'fre', francais: 'fre', italiano: 'ita', português: 'por', portugues: 'por', brazilian: 'por',
  nederlands: 'dut', svenska: 'swe', norsk: 'nor', dansk: 'dan', suomi: 'fin', polski: 'pol', magyar: 'hun',
  čeština: 'cze', cesky: 'cze', türkçe: 'tur', turkce: 'tur', farsi: 'per', mandarin: 'chi', cantonese: 'chi',
  chs: 'chi', cht: 'chi', nihongo: 'jpn', jp: 'jpn', cn: 'chi', kr: 'kor',
};
for (const [alias, code] of Object.entries(OTHER_NAMES)) byName.set(alias, byCode.get(code)!);

/** The code for "the source does not say". */
export const UNDETERMINED = 'und';

/**
 * The ISO 639-2/B code for an ISO 639-1, 639-2/B or 639-2/T code, any case ("de", "DEU",
 * "ger" → "ger"); undefined for anything else (names, region tags, unknown codes).
 */
export function normaliseLanguage(code: string): string | undefined {
  return byCode.get(code.trim().toLowerCase())?.code;
}

/** Whether `code` is an ISO 639-1, 639-2/B or 639-2/T code this table knows. */
export function isLanguageCode(code: string): boolean {
  return normaliseLanguage(code) !== undefined;
}

/**
 * The name a menu shows for a code in any accepted form ("jpn" → "Japanese", "und" → "Unknown
 * language"); an unknown code is shown as given, so nothing disappears from a list.
 */
export function languageName(code: string | null | undefined): string {
  if (!code) return byCode.get(UNDETERMINED)!.name;
  return byCode.get(code.trim().toLowerCase())?.name ?? code;
}

/**
 * The code for a language named in a file name: a code (as normaliseLanguage), a code with a
 * region ("pt-BR", "en_US"), an English name ("Japanese", "Castilian") or a
 * common own name ("Deutsch", "Español"); undefined when the word names no language.
 */
export function languageFromWord(word: string): string | undefined {
  const lower = word.trim().toLowerCase();
  const code = byCode.get(lower) ?? byName.get(lower);
  if (code) return code.code;
  const region = /^([a-z]{2,3})[-_][a-z0-9]{2,8}$/.exec(lower);
  return region ? byCode.get(region[1]!)?.code : undefined;
}
