"""The sentences of a validation report: the shapes' own messages, or ours; never pyshacl's.

Why: pyshacl writes a message of its own for every result whose shape has no ``sh:message``:
the nested results of ``sh:node``/``sh:or``/``sh:and``/``sh:not``/``sh:xone`` (``Node
Literal("2020-13-45", datatype=xsd:date) must conform to one or more shapes in [ sh:datatype
…``), the results of value shapes such as ``cgsh:DateLiteral``, and any shape someone adds
without a message. That is validator text, in English only, that a contributor cannot act on.
So a report's message is always taken from the shapes graph (the result's shape's
``sh:message``, or its SPARQL constraint's), and when the shape has none it is composed here,
in French and in English, from the constraint component and the shape's parameters
(``{path} of {focus} must be a resource of type {class}``). :func:`describe` says in words
what a value shape asks, for the messages and hints of ``sh:node``, ``sh:or``… results.
"""

from __future__ import annotations

from collections.abc import Callable

from rdflib import Graph, Literal
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

LANGS = ("fr", "en")

#: Names a term for a sentence (``coopgraph.validate.short``).
Namer = Callable[[Node], str]

#: The parameter of each core constraint component that its sentence quotes.
PARAMETER = {
    "Class": SH["class"], "Datatype": SH.datatype, "NodeKind": SH.nodeKind,
    "MinCount": SH.minCount, "MaxCount": SH.maxCount, "MinLength": SH.minLength,
    "MaxLength": SH.maxLength, "Pattern": SH.pattern, "LanguageIn": SH.languageIn,
    "In": SH["in"], "HasValue": SH.hasValue, "MinInclusive": SH.minInclusive,
    "MinExclusive": SH.minExclusive, "MaxInclusive": SH.maxInclusive,
    "MaxExclusive": SH.maxExclusive, "Equals": SH.equals, "Disjoint": SH.disjoint,
    "LessThan": SH.lessThan, "LessThanOrEquals": SH.lessThanOrEquals,
    "QualifiedMinCount": SH.qualifiedMinCount, "QualifiedMaxCount": SH.qualifiedMaxCount,
}

#: (French, English) per constraint component. {subject}: "{path} of {focus}" or "{focus}";
#: {value}: the offending value; {param}: the shape's parameter; {desc}: what a value shape
#: asks (:func:`describe`); {shape}: the shape's name.
SENTENCES: dict[str, tuple[str, str]] = {
    "Class": ("La valeur {value} de {subject} doit être une ressource de type {param}.",
              "The value {value} of {subject} must be a resource of type {param}."),
    "Datatype": ("La valeur {value} de {subject} doit être écrite avec le type {param}.",
                 "The value {value} of {subject} must be written with the datatype {param}."),
    "NodeKind": ("La valeur {value} de {subject} doit être {param}.",
                 "The value {value} of {subject} must be {param}."),
    "MinCount": ("{subject} : au moins {param} valeur(s) attendue(s).",
                 "{subject}: at least {param} value(s) expected."),
    "MaxCount": ("{subject} : au plus {param} valeur(s) permise(s).",
                 "{subject}: at most {param} value(s) allowed."),
    "MinLength": ("La valeur {value} de {subject} doit avoir au moins {param} caractère(s).",
                  "The value {value} of {subject} must have at least {param} character(s)."),
    "MaxLength": ("La valeur {value} de {subject} doit avoir au plus {param} caractère(s).",
                  "The value {value} of {subject} must have at most {param} character(s)."),
    "Pattern": ("La valeur {value} de {subject} doit avoir la forme {param}.",
                "The value {value} of {subject} must have the form {param}."),
    "LanguageIn": ("La valeur {value} de {subject} doit être dans une de ces langues : {param}.",
                   "The value {value} of {subject} must be in one of these languages: {param}."),
    "UniqueLang": ("{subject} : au plus une valeur par langue.",
                   "{subject}: at most one value per language."),
    "In": ("La valeur {value} de {subject} doit être l'une de : {param}.",
           "The value {value} of {subject} must be one of: {param}."),
    "HasValue": ("{subject} doit avoir la valeur {param}.",
                 "{subject} must have the value {param}."),
    "MinInclusive": ("La valeur {value} de {subject} doit être au moins {param}.",
                     "The value {value} of {subject} must be at least {param}."),
    "MinExclusive": ("La valeur {value} de {subject} doit être supérieure à {param}.",
                     "The value {value} of {subject} must be greater than {param}."),
    "MaxInclusive": ("La valeur {value} de {subject} doit être au plus {param}.",
                     "The value {value} of {subject} must be at most {param}."),
    "MaxExclusive": ("La valeur {value} de {subject} doit être inférieure à {param}.",
                     "The value {value} of {subject} must be less than {param}."),
    "Equals": ("{subject} doit avoir les mêmes valeurs que {param}.",
               "{subject} must have the same values as {param}."),
    "Disjoint": ("La valeur {value} de {subject} ne doit pas être aussi une valeur de {param}.",
                 "The value {value} of {subject} must not also be a value of {param}."),
    "LessThan": ("La valeur {value} de {subject} doit précéder les valeurs de {param}.",
                 "The value {value} of {subject} must be less than the values of {param}."),
    "LessThanOrEquals": (
        "La valeur {value} de {subject} ne doit pas dépasser les valeurs de {param}.",
        "The value {value} of {subject} must not exceed the values of {param}."),
    "Node": ("La valeur {value} de {subject} n'a pas la forme attendue : {desc}.",
             "The value {value} of {subject} does not have the expected form: {desc}."),
    "Or": ("La valeur {value} de {subject} n'a aucune des formes acceptées : {desc}.",
           "The value {value} of {subject} has none of the accepted forms: {desc}."),
    "Xone": ("La valeur {value} de {subject} doit avoir exactement une de ces formes : {desc}.",
             "The value {value} of {subject} must have exactly one of these forms: {desc}."),
    "And": ("La valeur {value} de {subject} doit être à la fois : {desc}.",
            "The value {value} of {subject} must be all of: {desc}."),
    "Not": ("La valeur {value} de {subject} ne doit pas être : {desc}.",
            "The value {value} of {subject} must not be: {desc}."),
    "QualifiedMinCount": ("{subject} : au moins {param} valeur(s) {desc} attendue(s).",
                          "{subject}: at least {param} value(s) {desc} expected."),
    "QualifiedMaxCount": ("{subject} : au plus {param} valeur(s) {desc} permise(s).",
                          "{subject}: at most {param} value(s) {desc} allowed."),
    "Closed": ("{subject} : cette propriété n'est pas prévue pour cette ressource.",
               "{subject}: this property is not expected on this resource."),
}
_DEFAULT = ("{subject} ne respecte pas la règle {shape}.",
            "{subject} breaks the rule {shape}.")

_NODE_KINDS = {
    "IRI": ("une ressource (IRI)", "a resource (an IRI)"),
    "Literal": ("un texte, un nombre ou une date (littéral)", "a text, number or date (a literal)"),
    "BlankNode": ("un nœud anonyme ([ … ])", "an anonymous node ([ … ])"),
    "BlankNodeOrIRI": ("une ressource (IRI ou [ … ])", "a resource (an IRI or [ … ])"),
    "BlankNodeOrLiteral": ("un littéral ou un nœud anonyme", "a literal or an anonymous node"),
    "IRIOrLiteral": ("une IRI ou un littéral", "an IRI or a literal"),
}

#: Words of :func:`describe`, (French, English).
_WORDS = {
    "datatype": ("de type {0}", "of type {0}"),
    "class": ("une ressource de type {0}", "a resource of type {0}"),
    "pattern": ("de la forme {0}", "of the form {0}"),
    "languageIn": ("en {0}", "in {0}"),
    "minLength": ("d'au moins {0} caractère(s)", "of at least {0} character(s)"),
    "maxLength": ("d'au plus {0} caractère(s)", "of at most {0} character(s)"),
    "minCount": ("avec au moins {0} {1}", "with at least {0} {1}"),
    "maxCount0": ("sans {1}", "without {1}"),
    "maxCount": ("avec au plus {0} {1}", "with at most {0} {1}"),
    "nodeKind": ("{0}", "{0}"),
    "or": (" ou ", " or "),
    "and": (" et ", " and "),
    "xone": (" ou bien ", " or else "),
    "not": ("pas {0}", "not {0}"),
}


def component_name(component: Node) -> str:
    """``sh:MinCountConstraintComponent`` → ``MinCount`` (our own components: their name)."""
    return str(component).rsplit("#", 1)[-1].removesuffix("ConstraintComponent")


def _list_text(shapes: Graph, node: Node, name: Namer) -> str:
    items = list(Collection(shapes, node))
    if not items:
        return name(node)
    return ", ".join(str(i) if isinstance(i, Literal) else name(i) for i in items)


def param_text(shapes: Graph, shape: Node, predicate: Node, name: Namer, lang: str) -> str:
    """A shape's parameter as a reader sees it (lists joined, node kinds in words)."""
    value = shapes.value(shape, predicate)
    if value is None:
        return ""
    if predicate in (SH.languageIn, SH["in"]):
        return _list_text(shapes, value, name)
    if predicate == SH.nodeKind:
        fr, en = _NODE_KINDS.get(str(value).rsplit("#", 1)[-1], (name(value), name(value)))
        return fr if lang == "fr" else en
    return str(value) if isinstance(value, Literal) else name(value)


def describe(shapes: Graph, shape: Node, lang: str, name: Namer, depth: int = 0) -> str:
    """What ``shape`` asks of a value, in words (``of type xsd:date or of type xsd:gYear``);
    the shape's name when it says nothing we can put in words."""
    i = 0 if lang == "fr" else 1
    if depth > 3:
        return name(shape)
    parts: list[str] = []
    path = shapes.value(shape, SH.path)
    path_name = "" if path is None else name(path)
    has_datatype = shapes.value(shape, SH.datatype) is not None
    for key, predicate in (("class", SH["class"]), ("datatype", SH.datatype),
                           ("languageIn", SH.languageIn), ("minLength", SH.minLength),
                           ("maxLength", SH.maxLength), ("nodeKind", SH.nodeKind)):
        if (shape, predicate, None) in shapes:
            parts.append(_WORDS[key][i].format(param_text(shapes, shape, predicate, name, lang)))
    if not has_datatype and (shape, SH.pattern, None) in shapes:
        parts.append(_WORDS["pattern"][i].format(param_text(shapes, shape, SH.pattern, name,
                                                            lang)))
    for count in shapes.objects(shape, SH.minCount):
        parts.append(_WORDS["minCount"][i].format(count, path_name))
    for count in shapes.objects(shape, SH.maxCount):
        key = "maxCount0" if str(count) == "0" else "maxCount"
        parts.append(_WORDS[key][i].format(count, path_name))
    for used in list(shapes.objects(shape, SH.node)) + list(shapes.objects(shape, SH.property)):
        parts.append(describe(shapes, used, lang, name, depth + 1))
    for key in ("or", "and", "xone"):
        for members in shapes.objects(shape, SH[key]):
            alternatives = [describe(shapes, m, lang, name, depth + 1)
                            for m in Collection(shapes, members)]
            joined = _WORDS[key][i].join(alternatives)
            parts.append(f"({joined})" if depth else joined)
    for negated in shapes.objects(shape, SH["not"]):
        parts.append(_WORDS["not"][i].format(describe(shapes, negated, lang, name, depth + 1)))
    if not parts:
        return name(shape)
    if path_name and not any(path_name in p for p in parts):
        parts.insert(0, path_name)
    return " ".join(parts)


def value_shape_of(shapes: Graph, shape: Node, component: str) -> list[Node]:
    """The shapes a shape-based constraint of ``shape`` asks values to match."""
    if component == "Node":
        return list(shapes.objects(shape, SH.node))
    if component in ("QualifiedMinCount", "QualifiedMaxCount"):
        return list(shapes.objects(shape, SH.qualifiedValueShape))
    if component == "Not":
        return list(shapes.objects(shape, SH["not"]))
    return []


def composed(shapes: Graph, shape: Node | None, component: Node, focus: Node,
             path_text: str | None, value: Node | None, name: Namer) -> dict[str, str]:
    """Our sentence (fr and en) for a result whose shape gives no ``sh:message``."""
    kind = component_name(component)
    out: dict[str, str] = {}
    for i, lang in enumerate(LANGS):
        of = " de " if lang == "fr" else " of "
        subject = f"{path_text}{of}{name(focus)}" if path_text else name(focus)
        param = desc = ""
        if shape is not None:
            if kind in PARAMETER:
                param = param_text(shapes, shape, PARAMETER[kind], name, lang)
            if kind in ("Or", "And", "Xone"):
                lists = list(shapes.objects(shape, SH[kind.lower()]))
                joiner = _WORDS[kind.lower()][i]
                desc = "; ".join(joiner.join(describe(shapes, m, lang, name, 1)
                                             for m in Collection(shapes, members))
                                 for members in lists)
            else:
                desc = ", ".join(describe(shapes, s, lang, name)
                                 for s in value_shape_of(shapes, shape, kind))
        template = SENTENCES.get(kind, _DEFAULT)[i]
        if not path_text:  # the focus node is the value: name it once
            template = template.replace("The value {value} of {subject}", "{subject}").replace(
                "La valeur {value} de {subject}", "{subject}")
        shown_value = value if value is not None else focus
        text = template.format(
            subject=subject, value=name(shown_value), param=param, desc=desc or "?",
            shape=name(shape) if shape is not None else kind)
        out[lang] = text
    return out


def declared(shapes: Graph, shape: Node | None, constraint: Node | None) -> list[Literal]:
    """The ``sh:message`` of the result's SPARQL constraint, else of its shape."""
    for holder in (constraint, shape):
        if holder is None:
            continue
        found = [m for m in shapes.objects(holder, SH.message) if isinstance(m, Literal)]
        if found:
            return found
    return []


def result_messages(shapes: Graph, shape: Node | None, constraint: Node | None,
                    component: Node, focus: Node, path_text: str | None, value: Node | None,
                    name: Namer) -> dict[str, str]:
    """The messages of a result by language (``""`` for an untagged one): the shape's, else
    :func:`composed`. pyshacl's own text is never used."""
    found = declared(shapes, shape, constraint)
    if found:
        return {m.language or "": str(m) for m in found}
    return composed(shapes, shape, component, focus, path_text, value, name)
