// ISO 3166-1: alpha-2 code to numeric code and English short name, for
// every officially assigned country (249, from Debian's iso-codes with
// shorter everyday names). The API names countries by alpha-2; the
// world-atlas map keys its features by the numeric code. One string, cut
// at load, keeps the table small in the Map chunk.

const table =
  'AD020Andorra;AE784United Arab Emirates;AF004Afghanistan;AG028Antigua and Barbuda;AI660Anguilla;AL008Albania;' +
  'AM051Armenia;AO024Angola;AQ010Antarctica;AR032Argentina;AS016American Samoa;AT040Austria;AU036Australia;' +
  'AW533Aruba;AX248Åland Islands;AZ031Azerbaijan;BA070Bosnia and Herzegovina;BB052Barbados;BD050Bangladesh;' +
  'BE056Belgium;BF854Burkina Faso;BG100Bulgaria;BH048Bahrain;BI108Burundi;BJ204Benin;BL652Saint Barthélemy;' +
  'BM060Bermuda;BN096Brunei;BO068Bolivia;BQ535Caribbean Netherlands;BR076Brazil;BS044Bahamas;BT064Bhutan;' +
  'BV074Bouvet Island;BW072Botswana;BY112Belarus;BZ084Belize;CA124Canada;CC166Cocos (Keeling) Islands;' +
  'CD180DR Congo;CF140Central African Republic;CG178Congo;CH756Switzerland;CI384Côte d\'Ivoire;CK184Cook Islands;' +
  'CL152Chile;CM120Cameroon;CN156China;CO170Colombia;CR188Costa Rica;CU192Cuba;CV132Cabo Verde;CW531Curaçao;' +
  'CX162Christmas Island;CY196Cyprus;CZ203Czechia;DE276Germany;DJ262Djibouti;DK208Denmark;DM212Dominica;' +
  'DO214Dominican Republic;DZ012Algeria;EC218Ecuador;EE233Estonia;EG818Egypt;EH732Western Sahara;ER232Eritrea;' +
  'ES724Spain;ET231Ethiopia;FI246Finland;FJ242Fiji;FK238Falkland Islands;FM583Micronesia;FO234Faroe Islands;' +
  'FR250France;GA266Gabon;GB826United Kingdom;GD308Grenada;GE268Georgia;GF254French Guiana;GG831Guernsey;' +
  'GH288Ghana;GI292Gibraltar;GL304Greenland;GM270Gambia;GN324Guinea;GP312Guadeloupe;GQ226Equatorial Guinea;' +
  'GR300Greece;GS239South Georgia and the South Sandwich Islands;GT320Guatemala;GU316Guam;GW624Guinea-Bissau;' +
  'GY328Guyana;HK344Hong Kong;HM334Heard and McDonald Islands;HN340Honduras;HR191Croatia;HT332Haiti;HU348Hungary;' +
  'ID360Indonesia;IE372Ireland;IL376Israel;IM833Isle of Man;IN356India;IO086British Indian Ocean Territory;' +
  'IQ368Iraq;IR364Iran;IS352Iceland;IT380Italy;JE832Jersey;JM388Jamaica;JO400Jordan;JP392Japan;KE404Kenya;' +
  'KG417Kyrgyzstan;KH116Cambodia;KI296Kiribati;KM174Comoros;KN659Saint Kitts and Nevis;KP408North Korea;' +
  'KR410South Korea;KW414Kuwait;KY136Cayman Islands;KZ398Kazakhstan;LA418Laos;LB422Lebanon;LC662Saint Lucia;' +
  'LI438Liechtenstein;LK144Sri Lanka;LR430Liberia;LS426Lesotho;LT440Lithuania;LU442Luxembourg;LV428Latvia;' +
  'LY434Libya;MA504Morocco;MC492Monaco;MD498Moldova;ME499Montenegro;MF663Saint Martin (French part);' +
  'MG450Madagascar;MH584Marshall Islands;MK807North Macedonia;ML466Mali;MM104Myanmar;MN496Mongolia;MO446Macao;' +
  'MP580Northern Mariana Islands;MQ474Martinique;MR478Mauritania;MS500Montserrat;MT470Malta;MU480Mauritius;' +
  'MV462Maldives;MW454Malawi;MX484Mexico;MY458Malaysia;MZ508Mozambique;NA516Namibia;NC540New Caledonia;' +
  'NE562Niger;NF574Norfolk Island;NG566Nigeria;NI558Nicaragua;NL528Netherlands;NO578Norway;NP524Nepal;NR520Nauru;' +
  'NU570Niue;NZ554New Zealand;OM512Oman;PA591Panama;PE604Peru;PF258French Polynesia;PG598Papua New Guinea;' +
  'PH608Philippines;PK586Pakistan;PL616Poland;PM666Saint Pierre and Miquelon;PN612Pitcairn;PR630Puerto Rico;' +
  'PS275Palestine;PT620Portugal;PW585Palau;PY600Paraguay;QA634Qatar;RE638Réunion;RO642Romania;RS688Serbia;' +
  'RU643Russia;RW646Rwanda;SA682Saudi Arabia;SB090Solomon Islands;SC690Seychelles;SD729Sudan;SE752Sweden;' +
  'SG702Singapore;SH654Saint Helena;SI705Slovenia;SJ744Svalbard and Jan Mayen;SK703Slovakia;SL694Sierra Leone;' +
  'SM674San Marino;SN686Senegal;SO706Somalia;SR740Suriname;SS728South Sudan;ST678Sao Tome and Principe;' +
  'SV222El Salvador;SX534Sint Maarten;SY760Syria;SZ748Eswatini;TC796Turks and Caicos Islands;TD148Chad;' +
  'TF260French Southern Territories;TG768Togo;TH764Thailand;TJ762Tajikistan;TK772Tokelau;TL626Timor-Leste;' +
  'TM795Turkmenistan;TN788Tunisia;TO776Tonga;TR792Türkiye;TT780Trinidad and Tobago;TV798Tuvalu;TW158Taiwan;' +
  'TZ834Tanzania;UA804Ukraine;UG800Uganda;UM581U.S. Outlying Islands;US840United States;UY858Uruguay;' +
  'UZ860Uzbekistan;VA336Vatican City;VC670Saint Vincent and the Grenadines;VE862Venezuela;' +
  'VG092British Virgin Islands;VI850U.S. Virgin Islands;VN704Vietnam;VU548Vanuatu;WF876Wallis and Futuna;' +
  'WS882Samoa;YE887Yemen;YT175Mayotte;ZA710South Africa;ZM894Zambia;ZW716Zimbabwe';

/** An ISO 3166-1 country: alpha-2, numeric (3 digits) and English name. */
export interface IsoCountry {
  alpha2: string;
  numeric: string;
  name: string;
}

/**
 * Codes in use with no numeric code, so no shape on the map (the atlas
 * draws Kosovo and Northern Cyprus without an id). The list view shows
 * them.
 */
export const unmapped: Record<string, string> = { XK: 'Kosovo' };

/** The atlas features that have no id, by their name in the atlas. */
export const unmappedFeatures = ['Kosovo', 'N. Cyprus', 'Somaliland'];

export const countries: IsoCountry[] = table.split(';').map((e) => ({ alpha2: e.slice(0, 2), numeric: e.slice(2, 5), name: e.slice(5) }));

const byAlpha2 = new Map(countries.map((c) => [c.alpha2, c]));
const byNumeric = new Map(countries.map((c) => [c.numeric, c]));

/** numericOf is the 3-digit numeric code of an alpha-2 code, undefined when it has none. */
export function numericOf(alpha2: string): string | undefined {
  return byAlpha2.get(alpha2.toUpperCase())?.numeric;
}

/** alpha2Of is the alpha-2 code of a numeric code ("840", "36" or 36). */
export function alpha2Of(numeric: string | number): string | undefined {
  return byNumeric.get(String(numeric).padStart(3, '0'))?.alpha2;
}

/** isoName is the English name of an alpha-2 code, the code itself when unknown. */
export function isoName(alpha2: string): string {
  const a = alpha2.toUpperCase();
  return byAlpha2.get(a)?.name ?? unmapped[a] ?? a;
}
