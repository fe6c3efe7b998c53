"""Which language code each of Vapi's transcriber and voice providers takes.

Vapi refuses a `language` its provider does not list, and with none it transcribes and
speaks in the provider's default (English). An agent's or voice's language is a BCP 47 tag
(`es-ES`); each provider names languages its own way: Deepgram `es` or `es-419`, Azure
`es-ES`, Google `Spanish`, PlayHT `spanish`, ElevenLabs an ISO 639-1 code. The tables are
Vapi's own lists (its SDK's `AssistantTranscriber` and `AssistantVoice` models, checked
against them by tests/unit/test_vapi_languages.py).
"""

from __future__ import annotations


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Languages named in words (Google's transcriber, PlayHT's voices), by ISO 639-1 code.
_NAMES = {
    "af": "afrikaans", "am": "amharic", "ar": "arabic", "bg": "bulgarian", "bn": "bengali",
    "ca": "catalan", "cs": "czech", "da": "danish", "de": "german", "el": "greek",
    "en": "english", "es": "spanish", "et": "estonian", "fi": "finnish", "fr": "french",
    "gl": "galician", "he": "hebrew", "hi": "hindi", "hr": "croatian", "hu": "hungarian",
    "id": "indonesian", "it": "italian", "ja": "japanese", "ko": "korean", "lt": "lithuanian",
    "lv": "latvian", "ms": "malay", "nl": "dutch", "no": "norwegian", "pl": "polish",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sk": "slovak", "sl": "slovenian",
    "sq": "albanian", "sr": "serbian", "sv": "swedish", "sw": "swahili", "th": "thai",
    "tl": "tagalog", "tr": "turkish", "uk": "ukrainian", "ur": "urdu", "vi": "vietnamese",
    "xh": "xhosa",
}  # fmt: skip
# Each provider's word for Chinese.
_CHINESE = {"google": "Chinese", "playht": "mandarin"}

# ISO 639-1 with Cantonese: the list ElevenLabs' and Cartesia's transcribers share.
_ISO_639 = _codes(
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu "
    "cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi "
    "ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks "
    "ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl "
    "nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl "
    "sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve "
    "vi vo wa wo xh yi yue yo za zh zu"
)

TRANSCRIBER_LANGUAGES: dict[str, frozenset[str]] = {
    "11labs": _ISO_639,
    "assembly-ai": _codes("multi en"),
    "azure": _codes(
        "af-ZA am-ET ar-AE ar-BH ar-DZ ar-EG ar-IL ar-IQ ar-JO ar-KW ar-LB ar-LY ar-MA ar-OM "
        "ar-PS ar-QA ar-SA ar-SY ar-TN ar-YE az-AZ bg-BG bn-IN bs-BA ca-ES cs-CZ cy-GB da-DK "
        "de-AT de-CH de-DE el-GR en-AU en-CA en-GB en-GH en-HK en-IE en-IN en-KE en-NG en-NZ "
        "en-PH en-SG en-TZ en-US en-ZA es-AR es-BO es-CL es-CO es-CR es-CU es-DO es-EC es-ES "
        "es-GQ es-GT es-HN es-MX es-NI es-PA es-PE es-PR es-PY es-SV es-US es-UY es-VE et-EE "
        "eu-ES fa-IR fi-FI fil-PH fr-BE fr-CA fr-CH fr-FR ga-IE gl-ES gu-IN he-IL hi-IN hr-HR "
        "hu-HU hy-AM id-ID is-IS it-CH it-IT ja-JP jv-ID ka-GE kk-KZ km-KH kn-IN ko-KR lo-LA "
        "lt-LT lv-LV mk-MK ml-IN mn-MN mr-IN ms-MY mt-MT my-MM nb-NO ne-NP nl-BE nl-NL pa-IN "
        "pl-PL ps-AF pt-BR pt-PT ro-RO ru-RU si-LK sk-SK sl-SI so-SO sq-AL sr-RS sv-SE sw-KE "
        "sw-TZ ta-IN te-IN th-TH tr-TR uk-UA ur-IN uz-UZ vi-VN wuu-CN yue-CN zh-CN "
        "zh-CN-shandong zh-CN-sichuan zh-HK zh-TW zu-ZA"
    ),
    "cartesia": _ISO_639,
    "deepgram": _codes(
        "bg ca cs da da-DK de de-CH el en en-AU en-GB en-IN en-NZ en-US es es-419 es-LATAM et fi "
        "fr fr-CA hi hi-Latn hu id it ja ko ko-KR lt lv ms multi nl nl-BE no pl pt pt-BR ro ru "
        "sk sv sv-SE ta taq th th-TH tr uk vi zh zh-CN zh-Hans zh-Hant zh-TW"
    ),
    "gladia": _codes(
        "af sq am ar hy as az ba eu be bn bs br bg ca zh hr cs da nl en et fo fi fr gl ka de el "
        "gu ht ha haw he hi hu is id it ja jv kn kk km ko lo la lv ln lt lb mk mg ms ml mt mi mr "
        "mn my ne no nn oc ps fa pl pt pa ro ru sa sr sn sd si sk sl so es su sw sv tl tg ta tt "
        "te th bo tr tk uk ur uz vi cy yi yo"
    ),
    "google": _codes(
        "Multilingual Arabic Bengali Bulgarian Chinese Croatian Czech Danish Dutch English "
        "Estonian Finnish French German Greek Hebrew Hindi Hungarian Indonesian Italian Japanese "
        "Korean Latvian Lithuanian Norwegian Polish Portuguese Romanian Russian Serbian Slovak "
        "Slovenian Spanish Swahili Swedish Thai Turkish Ukrainian Vietnamese"
    ),
    "openai": _codes(
        "af ar hy az be bs bg ca zh hr cs da nl en et fi fr gl de el he hi hu is id it ja kn kk "
        "ko lv lt mk ms mr mi ne no fa pl pt ro ru sr sk sl es sw sv tl ta th tr uk ur vi cy"
    ),
    "soniox": _codes(
        "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu "
        "cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi "
        "ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks "
        "ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl "
        "nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl "
        "sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve "
        "vi vo wa wo xh yi yue yo za zh zu"
    ),
    "speechmatics": _codes(
        "auto ar ar_en ba eu be bn bg yue ca hr cs da nl en eo et fi fr gl de el he hi hu id ia "
        "ga it ja ko lv lt ms en_ms mt cmn cmn_en mr mn no fa pl pt ro ru sk sl es en_es sw sv "
        "tl ta en_ta th tr uk ur ug vi cy"
    ),
    "talkscriber": _codes(
        "en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta "
        "no th ur hr bg lt la mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk "
        "sq sw gl mr pa si km sn yo so af oc ka be tg sd gu am yi lo uz fo ht ps tk nn mt sa lb "
        "my bo tl mg as tt haw ln ha ba jw su yue"
    ),
    "vapi": _codes(
        "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu "
        "cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi "
        "ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks "
        "ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl "
        "nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl "
        "sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve "
        "vi vo wa wo xh yi yue yo za zh zu"
    ),
    "xai": _codes("ar cs da nl en fil fr de hi id it ja ko mk ms fa pl pt ro ru es sv th tr vi"),
}
VOICE_LANGUAGES: dict[str, frozenset[str]] = {
    "cartesia": _codes(
        "ar bg bn cs da de el en es fi fr gu he hi hr hu id it ja ka kn ko ml mr ms nl no pa pl "
        "pt ro ru sk sv ta te th tl tr uk vi zh"
    ),
    "lmnt": _codes(
        "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu "
        "cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi "
        "ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks "
        "ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl "
        "nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl "
        "sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve "
        "vi vo wa wo xh yi yue yo za zh zu auto"
    ),
    "playht": _codes(
        "afrikaans albanian amharic arabic bengali bulgarian catalan croatian czech danish dutch "
        "english french galician german greek hebrew hindi hungarian indonesian italian japanese "
        "korean malay mandarin polish portuguese russian serbian spanish swedish tagalog thai "
        "turkish ukrainian urdu xhosa"
    ),
    "rime-ai": _codes("en es de fr ar hi ja he pt ta si"),
    "vapi": _codes(
        "en-US en-GB en-AU en-CA ja zh de hi fr-FR fr-CA ko pt-BR pt-PT it es-ES es-MX id nl tr "
        "fil pl sv bg ro ar-SA ar-AE cs el fi hr ms sk da ta uk ru hu no vi auto en ar ar-EG bn "
        "es fr gu he ka kn ml mr pa pt te th tl"
    ),
    "xai": _codes(
        "auto en ar-EG ar-SA ar-AE bn zh fr de hi id it ja ko pt-BR pt-PT ru es-MX es-ES tr vi"
    ),
}

# How transcribers name their multilingual mode.
_MULTILINGUAL = frozenset({"multi", "Multilingual", "auto"})
# Voice providers that take any ISO 639-1 code (ElevenLabs: "the language that is
# enforced").
_ANY_ISO_639_1 = frozenset({"11labs"})
# Transcriber used when a language is wanted and the agent configures none: Deepgram's
# nova-2, which transcribes the most languages of Deepgram's models.
DEFAULT_TRANSCRIBER = {"provider": "deepgram", "model": "nova-2"}


def _named(provider: str, primary: str, listed: frozenset[str]) -> str | None:
    name = _CHINESE.get(provider) if primary == "zh" else _NAMES.get(primary)
    if name is None:
        return None
    for candidate in (name, name.capitalize()):
        if candidate in listed:
            return candidate
    return None


def _pick(provider: str, tag: str, table: dict[str, frozenset[str]]) -> str | None:
    """The provider's code for the BCP 47 `tag`: the tag itself, else its language alone,
    else the first of the provider's regional codes of that language; None when the
    provider does not take the language (or takes no language at all)."""
    primary = tag.split("-")[0].lower()
    listed = table.get(provider)
    if not listed:
        any_code = provider in _ANY_ISO_639_1 and table is VOICE_LANGUAGES
        return primary if any_code and len(primary) == 2 else None
    by_case = {code.lower(): code for code in listed}
    for candidate in (tag.lower(), tag.replace("_", "-").lower(), primary):
        if candidate in by_case:
            return by_case[candidate]
    # A language alone (`es`) where only regions are listed: its home region first (es-ES,
    # fr-FR; en-US for English), else the first listed.
    regional = sorted(code for code in listed if code.lower().startswith(primary + "-"))
    home = {f"{primary}-{primary}", "en-us" if primary == "en" else ""}
    for code in regional:
        if code.lower() in home:
            return code
    if regional:
        return regional[0]
    return _named(provider, primary, listed)


def transcriber_language(provider: str, tag: str) -> str | None:
    """What `transcriber.language` is for `tag` with this transcriber provider: its
    multilingual model when it has one and the language is not among its own."""
    code = _pick(provider, tag, TRANSCRIBER_LANGUAGES)
    if code is None:
        multilingual = TRANSCRIBER_LANGUAGES.get(provider, frozenset()) & _MULTILINGUAL
        code = min(multilingual) if multilingual else None
    return code


def voice_language(provider: str, tag: str) -> str | None:
    """What `voice.language` is for `tag` with this voice provider; None for providers
    whose voices have no language field (the voice itself speaks one)."""
    return _pick(provider, tag, VOICE_LANGUAGES)
