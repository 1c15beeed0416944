"""The benchmark's own scorecards: a branch visit and a call, 26 scored criteria each.

The default scorecards (scorecards/defaults/*.json) are loaded too, but they are short; real
mystery-shopping scorecards run to 20-30 questions, which is what the standard data set's
1,000,000 answers over 40,000 audits (25 answers per audit) assumes. These cards are in the
scorecard file format (docs/scorecard-format.md), so they go through the same importer.

``DIFFICULTY`` holds the criteria that staff often get wrong (a lower number: failed more often),
so that the "weakest criteria" tables have something to find.
"""


def _t(es, en):
    return {"es": es, "en": en}


def _yn(key, es, en, **kw):
    return {"key": key, "type": "yes_no", "text": _t(es, en), **kw}


def _scale(key, es, en, **kw):
    return {"key": key, "type": "scale", "min": 1, "max": 5, "text": _t(es, en), **kw}


OFFER_OPTIONS = [
    {"key": "full", "score": 1, "label": _t("Completa", "Complete")},
    {"key": "partial", "score": 0.5, "label": _t("Parcial", "Partial")},
    {"key": "none", "score": 0, "label": _t("Ninguna", "None")},
]

BENCH_VISIT = {
    "slug": "bench-branch-visit",
    "name": _t("Visita a sucursal (completa)", "Branch visit (full)"),
    "channel": "visit",
    "pass_mark": 80,
    "sections": [
        {"key": "arrival", "title": _t("Llegada", "Arrival"), "weight": 1, "criteria": [
            _yn("greeted", "¿Le saludaron al llegar?", "Were you greeted on arrival?", kpi="greeting"),
            {"key": "wait_minutes", "type": "number", "unit": "min", "target": {"op": "<=", "value": 5},
             "kpi": "wait_time", "text": _t("Minutos de espera", "Minutes waited")},
            _yn("eye_contact", "¿Contacto visual y sonrisa?", "Eye contact and a smile?"),
            _yn("name_given", "¿El empleado dio su nombre?", "Did the employee give their name?", kpi="name_given"),
            _yn("clean", "¿La sucursal estaba limpia y ordenada?", "Was the branch clean and tidy?", allow_na=True),
        ]},
        {"key": "needs", "title": _t("Necesidades", "Needs"), "weight": 2, "criteria": [
            _yn("asked_needs", "¿Preguntó por sus necesidades?", "Did they ask about your needs?"),
            _scale("listening", "Escucha activa", "Active listening"),
            _yn("open_questions", "¿Hizo preguntas abiertas?", "Did they ask open questions?"),
            _scale("courtesy", "Cortesía", "Courtesy", weight=2, kpi="courtesy"),
        ]},
        {"key": "offer", "title": _t("Producto y oferta", "Product and offer"), "weight": 2, "criteria": [
            _scale("knowledge", "Conocimiento del producto", "Product knowledge", weight=2,
                   kpi="product_knowledge"),
            _yn("accurate", "¿La información fue correcta?", "Was the information accurate?", critical=True,
                kpi="accuracy"),
            {"key": "offer", "type": "choice", "options": OFFER_OPTIONS,
             "text": _t("Información sobre la oferta", "Information on the offer")},
            _yn("alternatives", "¿Ofreció alternativas?", "Did they offer alternatives?", allow_na=True),
            _yn("price_clear", "¿Explicó el precio total?", "Did they explain the full price?"),
            _yn("conditions", "¿Explicó las condiciones?", "Did they explain the conditions?"),
            _yn("privacy", "¿Protegió sus datos personales?", "Did they protect your personal data?",
                critical=True),
        ]},
        {"key": "closing", "title": _t("Cierre", "Closing"), "weight": 1, "criteria": [
            _yn("next_step", "¿Acordó un siguiente paso?", "Did they agree a next step?", kpi="promise_kept"),
            _yn("follow_up", "¿Ofreció seguimiento?", "Did they offer a follow-up?", kpi="follow_up"),
            _yn("card_given", "¿Le dio una tarjeta o folleto?", "Did they give you a card or leaflet?",
                allow_na=True),
            _yn("farewell", "¿Se despidió cordialmente?", "Did they say goodbye warmly?", kpi="farewell"),
            _yn("thanks", "¿Le dio las gracias por su visita?", "Did they thank you for your visit?"),
            _scale("overall", "Impresión general", "Overall impression", weight=2),
        ]},
        {"key": "premises", "title": _t("Instalaciones", "Premises"), "weight": 1, "criteria": [
            _yn("signage", "¿Señalización clara?", "Clear signage?"),
            _yn("queue", "¿Se gestionaba la cola?", "Was the queue managed?", allow_na=True),
            _yn("promo", "¿Material promocional vigente?", "Current promotional material?"),
            _yn("accessible", "¿Acceso sin barreras?", "Step-free access?", allow_na=True),
        ]},
        {"key": "notes", "title": _t("Notas", "Notes"), "weight": 1, "criteria": [
            {"key": "observations", "type": "text", "text": _t("Observaciones", "Observations")},
            {"key": "receipt", "type": "photo", "text": _t("Foto del ticket", "Photo of the receipt")},
        ]},
    ],
}

BENCH_CALL = {
    "slug": "bench-call",
    "name": _t("Llamada al centro de contacto (completa)", "Contact centre call (full)"),
    "channel": "call",
    "pass_mark": 80,
    "sections": [
        {"key": "opening", "title": _t("Apertura", "Opening"), "weight": 1, "criteria": [
            {"key": "wait_seconds", "type": "number", "unit": "s", "target": {"op": "<=", "value": 30},
             "kpi": "wait_time", "text": _t("Segundos hasta ser atendido", "Seconds until answered")},
            _yn("greeting", "¿Saludo con el nombre de la empresa?", "Greeting with the company's name?",
                kpi="greeting"),
            _yn("name_given", "¿El agente dio su nombre?", "Did the agent give their name?", kpi="name_given"),
            _yn("clear_voice", "¿Voz clara y ritmo adecuado?", "Clear voice and pace?"),
        ]},
        {"key": "identity", "title": _t("Identificación", "Identification"), "weight": 1, "criteria": [
            _yn("identity", "¿Verificó la identidad?", "Was identity verified?", critical=True),
            _yn("privacy", "¿Protegió los datos personales?", "Was personal data protected?", critical=True,
                allow_na=True),
            _yn("contact_confirmed", "¿Confirmó sus datos de contacto?", "Did they confirm your contact details?"),
        ]},
        {"key": "handling", "title": _t("Gestión", "Handling"), "weight": 2, "criteria": [
            _scale("understood", "Comprensión de la necesidad", "Understanding of the need"),
            _scale("empathy", "Empatía y cortesía", "Empathy and courtesy", weight=2, kpi="courtesy"),
            _yn("accurate", "¿La información fue correcta?", "Was the information accurate?", critical=True,
                kpi="accuracy"),
            _scale("knowledge", "Conocimiento del producto", "Product knowledge", kpi="product_knowledge"),
            _yn("hold_explained", "¿Explicó la espera?", "Was the hold explained?", allow_na=True),
            {"key": "hold_minutes", "type": "number", "unit": "min", "target": {"op": "<=", "value": 2},
             "text": _t("Minutos en espera", "Minutes on hold")},
            _yn("no_jargon", "¿Evitó la jerga?", "Did they avoid jargon?"),
            _scale("tone", "Tono", "Tone"),
            _yn("no_interrupt", "¿Escuchó sin interrumpir?", "Did they listen without interrupting?"),
        ]},
        {"key": "resolution", "title": _t("Resolución", "Resolution"), "weight": 2, "criteria": [
            {"key": "resolved", "type": "choice", "options": OFFER_OPTIONS, "kpi": "first_contact_resolution",
             "text": _t("Resolución en el primer contacto", "First-contact resolution")},
            _yn("promise_kept", "¿Cumplió lo prometido?", "Was the promise kept?", kpi="promise_kept",
                allow_na=True),
            _yn("follow_up", "¿Ofreció seguimiento?", "Did they offer a follow-up?", kpi="follow_up"),
            _yn("summary", "¿Resumió lo acordado?", "Did they summarise what was agreed?"),
            _yn("callback", "¿Ofreció devolver la llamada?", "Did they offer to call back?", allow_na=True),
        ]},
        {"key": "closing", "title": _t("Cierre", "Closing"), "weight": 1, "criteria": [
            _yn("anything_else", "¿Preguntó si necesitaba algo más?", "Did they ask if you needed anything else?"),
            _yn("reference", "¿Dio un número de referencia?", "Did they give a reference number?"),
            _yn("farewell", "¿Se despidió cordialmente?", "Did they say goodbye warmly?", kpi="farewell"),
            _yn("survey", "¿Ofreció la encuesta?", "Did they offer the survey?", allow_na=True),
            _scale("overall", "Impresión general", "Overall impression", weight=2),
        ]},
        {"key": "notes", "title": _t("Notas", "Notes"), "weight": 1, "criteria": [
            {"key": "observations", "type": "text", "text": _t("Observaciones", "Observations")},
        ]},
    ],
}

BENCH_CARDS = (BENCH_VISIT, BENCH_CALL)

# Logit of "gets it right" before the employee, branch and trend effects; absent keys use 2.1.
DIFFICULTY = {
    "name_given": -0.2, "follow_up": -0.1, "alternatives": 0.3, "card_given": 0.2, "open_questions": 0.4,
    "reference": 0.1, "summary": 0.5, "conditions": 0.6, "survey": 0.0, "promo": 0.9, "wait_minutes": 0.8,
    "wait_seconds": 0.7, "hold_minutes": 0.9, "offer": 0.8, "resolved": 0.9,
}
DEFAULT_DIFFICULTY = 2.1

COMMENTS_FAILED = [
    "No lo hizo.", "Tuve que pedirlo yo.", "Lo hizo a medias.", "Parecía tener prisa.",
    "Did not do it.", "Only after I asked.", "Se le olvidó.", "No estaba claro.",
]
OBSERVATIONS = [
    "Visita correcta en general.", "Mucha gente esperando; un solo empleado atendiendo.",
    "El empleado fue muy amable y resolutivo.", "Falta material promocional en el mostrador.",
    "Good visit overall.", "Long queue at the till.", "Muy buena atención, volvería.",
    "El aire acondicionado no funcionaba.", "Llamada larga pero resuelta.", "Me transfirieron dos veces.",
]
