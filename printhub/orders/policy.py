"""Automatic policy checks on a new order: what a staff member must look at before approving.

Nothing here refuses an order: a flag only asks for a person's explicit
confirmation. The checks are deliberately simple and explainable (a word list,
a quantity, whether the model was analysed); the flags name what was found so
the reviewer can judge quickly.
"""

from __future__ import annotations

import re

LARGE_QUANTITY = 50  # more parts than this in one order is unusual for a public center

# English words (matched as whole words, also inside file names like "GunGrip_v2" or
# "pistol-frame"); a plural "s"/"es" is accepted.
WEAPON_WORDS_EN = (
    "gun",
    "handgun",
    "shotgun",
    "airgun",
    "firearm",
    "pistol",
    "revolver",
    "rifle",
    "receiver",
    "silencer",
    "suppressor",
    "trigger",
    "ammo",
    "ammunition",
    "bullet",
    "cartridge",
    "knife",
    "knives",
    "blade",
    "dagger",
    "sword",
    "machete",
    "bayonet",
    "weapon",
    "grenade",
    "crossbow",
    "glock",
    "ar15",
    "ak47",
)

# Korean words. Korean writes particles onto nouns and has no spaces inside
# compounds, so most words are matched anywhere in the text; a few short ones are
# matched only where they cannot be the start of an everyday word.
WEAPON_WORDS_KO = (
    "권총",
    "소총",
    "장총",
    "엽총",
    "산탄총",
    "기관총",
    "저격총",
    "공기총",
    "총기",
    "총열",
    "총신",
    "총구",
    "총알",
    "탄창",
    "탄약",
    "소음기",
    "소염기",
    "방아쇠",
    "도검",
    "흉기",
    "단검",
    "장검",
    "대검",
    "나이프",
    "식칼",
    "회칼",
    "칼날",
    "수류탄",
    "석궁",
)
# 무기 (weapon) but not 무기력 (lethargy), 무기한 (indefinite), 무기질/무기물 (mineral).
_KO_WEAPON = re.compile(r"무기(?!력|한|질|물|명|징역)")
# 총 alone (gun) — but "총 3개", "총 비용" use 총 as "in total".
_KO_GUN = re.compile(
    r"(?<![가-힣])총(?:을|이|은|는|으로|과|도|의|만)?(?![가-힣])"
    r"(?!\s*(?:\d|[일이삼사오육칠팔구십백천]|비용|금액|길이|높이|너비|수량|개수|무게|시간|합계|사용))"
)
# 칼 alone or with a particle (knife) — not 칼국수, 칼라, 칼슘 (칼 followed by Hangul).
_KO_KNIFE = re.compile(r"(?<![가-힣])칼(?:을|이|은|는|로|과|도|의|집)?(?![가-힣])")

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_WORDS = re.compile(r"[a-z0-9]+")


def _english_tokens(text: str) -> list[str]:
    """Lower-case words of a text, splitting camelCase ("GunGrip" → gun, grip) and digits."""
    text = _CAMEL.sub(" ", text).lower()
    tokens = []
    for word in _WORDS.findall(text):
        tokens.append(word)
        # "grip2" and "ar-15": split letters from digits too, but keep the joined form.
        tokens.extend(t for t in re.findall(r"[a-z]+|[0-9]+", word) if t != word)
    return tokens


def weapon_words(*texts: str) -> list[str]:
    """The weapon-like words found in some texts (file names, notes), in order, once each."""
    found: list[str] = []

    def add(word: str) -> None:
        if word not in found:
            found.append(word)

    english = set(WEAPON_WORDS_EN)
    for text in texts:
        if not text:
            continue
        joined = text.lower().replace("-", "")
        for token in _english_tokens(text) + _english_tokens(joined):
            for candidate in (token, token.removesuffix("s"), token.removesuffix("es")):
                if candidate in english:
                    add(candidate)
                    break
        for word in WEAPON_WORDS_KO:
            if word in text:
                add(word)
        if _KO_WEAPON.search(text):
            add("무기")
        if _KO_GUN.search(text):
            add("총")
        if _KO_KNIFE.search(text):
            add("칼")
    return found


def policy_flags(*, file_name: str, note: str, quantity: int, analysed: bool) -> list[dict]:
    """The flags of a new order: each {"code": ..., and what was found}."""
    flags: list[dict] = []
    words = weapon_words(file_name, note)
    if words:
        flags.append({"code": "weapon_words", "words": words})
    if quantity > LARGE_QUANTITY:
        flags.append({"code": "large_quantity", "quantity": quantity, "limit": LARGE_QUANTITY})
    if not analysed:
        flags.append({"code": "no_analysis"})
    return flags
