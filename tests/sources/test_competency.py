"""Competency questions: what a journalist or researcher would ask of the InSight Crime article.

Each question is a SPARQL query over the built graph (the union of all graphs, as the endpoint
serves it) and each test asserts the exact answer the article, or a checked reference, gives.
"""

from __future__ import annotations

from collections.abc import Callable

Ask = Callable[[str], set[tuple[str, ...]]]
AskOrdered = Callable[[str], list[tuple[str, ...]]]

PROPOSAL = "event:ms13-dialogue-proposal-2017"
NEGOTIATING = "issue:negotiating-with-gangs"


def test_who_rejected_the_ms13_proposal(ask: Ask) -> None:
    answer = ask(f"""
        SELECT DISTINCT ?actor WHERE {{
          ?stance tg:stanceOf ?actor ; tg:onIssue {NEGOTIATING} ; tg:stanceValue tg:reject ;
                  tg:expressedIn ?statement .
          ?statement tg:respondsTo {PROPOSAL} .
        }}""")
    assert answer == {("person/oscar-ortiz",), ("person/howard-cotto",),
                      ("person/mauricio-ramirez-landaverde",), ("organization/government-of-el-salvador",)}


def test_who_did_not_rule_out_negotiating(ask: Ask) -> None:
    answer = ask(f"""
        SELECT ?name WHERE {{
          ?stance tg:stanceOf ?actor ; tg:onIssue {NEGOTIATING} ; tg:stanceValue tg:notRuledOut .
          ?actor rdfs:label ?name . FILTER(LANG(?name) = "en")
        }}""")
    assert answer == {("Eugenio Chicas",), ("Guillermo Gallegos",)}


def test_who_was_favourable_to_negotiating(ask: Ask) -> None:
    answer = ask(f"""
        SELECT ?actor WHERE {{
          ?stance tg:stanceOf ?actor ; tg:onIssue {NEGOTIATING} ; tg:stanceValue tg:favourable .
        }}""")
    assert answer == {("organization/ms13",), ("person/donato-vaquerano",)}


def test_which_conditions_set_by_whom_required_of_whom(ask: Ask) -> None:
    answer = ask("""
        SELECT ?setter ?requirement ?requiredOf WHERE {
          ?stance tg:hasCondition ?condition ; tg:stanceValue tg:conditional .
          ?condition a tg:Condition ; tg:requirement ?requirement ; tg:setBy ?setter ;
                     tg:requiredOf ?requiredOf .
        }""")
    assert answer == {
        ("person/eugenio-chicas", "the public’s approval", "organization/salvadoran-public"),
        ("person/eugenio-chicas", "a consensus between political parties",
         "organization/salvadoran-political-parties"),
        ("person/eugenio-chicas", "having the sufficient resources to carry out such a process",
         "organization/government-of-el-salvador"),
        ("person/guillermo-gallegos", "have to hand over their weapons", "organization/ms13"),
        ("person/guillermo-gallegos", "their leaders have to come out into the open", "organization/ms13"),
        ("person/guillermo-gallegos", "before any negotiations, they must first abandon violence",
         "organization/ms13"),
    }


def test_who_reported_whose_statements(ask: Ask) -> None:
    answer = ask("""
        SELECT DISTINCT ?speakerName ?outletName WHERE {
          ?statement a tg:Statement ; tg:speaker ?speaker ; tg:reportedBy ?outlet .
          ?speaker rdfs:label ?speakerName . FILTER(LANG(?speakerName) = "en")
          ?outlet a tg:NewsOutlet ; rdfs:label ?outletName . FILTER(LANG(?outletName) = "en")
        }""")
    assert answer == {
        ("MS13 spokesmen", "El Faro"),
        ("Oscar Ortiz", "El Mundo"),
        ("Howard Cotto", "El Faro"),
        ("Mauricio Ramírez Landaverde", "Diario Co Latino"),
        ("Eugenio Chicas", "El Faro"),
        ("Guillermo Gallegos", "Univision"),
        ("Donato Vaquerano", "Univision"),
    }


def test_what_cotto_told_el_faro_verbatim(ask: Ask) -> None:
    answer = ask("""
        SELECT ?text WHERE {
          ?statement tg:speaker person:howard-cotto ; tg:reportedBy organization:el-faro ;
                     tg:hasQuote/tg:text ?text .
        }""")
    assert answer == {("All that they offer is to continue committing crimes if we don’t negotiate with them "
                       "and that is utterly wrong…What do they offer? To stop killing or stop extorting? "
                       "And in return they want something? No! Just stop doing it,",)}


def test_how_the_article_words_cottos_answer(ask: Ask) -> None:
    """The article's own words for the reaction, kept apart from the quote."""
    answer = ask(f"""
        SELECT ?paraphrase WHERE {{
          ?statement tg:speaker person:howard-cotto ; tg:respondsTo {PROPOSAL} ; tg:paraphrase ?paraphrase .
        }}""")
    assert answer == {("bluntly rejected the MS13 proposal",)}


def test_which_outlets_the_article_names(ask: Ask) -> None:
    answer = ask("""SELECT ?outlet WHERE { ?outlet a tg:NewsOutlet }""")
    assert answer == {("organization/el-faro",), ("organization/el-mundo",),
                      ("organization/diario-co-latino",), ("organization/univision",)}


def test_who_holds_which_office_in_january_2017(ask: Ask) -> None:
    answer = ask("""
        SELECT ?person ?post WHERE {
          ?tenure a tg:Tenure ; tg:holder ?person ; tg:post ?post ;
                  tg:attestedOn "2017-01"^^xsd:gYearMonth .
        }""")
    assert answer == {
        ("person/salvador-sanchez-ceren", "post/president-of-el-salvador"),
        ("person/oscar-ortiz", "post/vice-president-of-el-salvador"),
        ("person/howard-cotto", "post/police-director"),
        ("person/mauricio-ramirez-landaverde", "post/minister-of-justice-and-public-security"),
        ("person/eugenio-chicas", "post/presidential-press-secretary"),
        ("person/guillermo-gallegos", "post/president-of-the-legislative-assembly"),
        ("person/donato-vaquerano", "post/deputy-of-the-legislative-assembly"),
    }


def test_in_which_office_each_official_responded(ask: Ask) -> None:
    answer = ask(f"""
        SELECT DISTINCT ?person ?postName WHERE {{
          ?statement tg:respondsTo {PROPOSAL} ; tg:speaker ?person ; tg:speakingAs ?post .
          ?post rdfs:label ?postName FILTER(LANG(?postName) = "en")
        }}""")
    assert answer == {
        ("person/oscar-ortiz", "Vice President of El Salvador"),
        ("person/howard-cotto", "Police Director"),
        ("person/mauricio-ramirez-landaverde", "Justice and Public Security Minister"),
        ("person/eugenio-chicas", "President’s Press Secretary"),
        ("person/guillermo-gallegos", "Legislative Assembly President"),
        ("person/donato-vaquerano", "deputy"),
    }


def test_what_followed_the_laws_outlawing_negotiation(ask: Ask) -> None:
    answer = ask("""
        SELECT ?event ?date ?arrested WHERE {
          ?event tg:after event:laws-outlawing-gang-negotiation ; a tg:Arrest ; tg:date ?date .
          OPTIONAL { ?event tg:hasParticipation [ tg:role tg:arrestee ; tg:participant ?arrested ] }
        }""")
    assert answer == {("event/arrests-of-truce-participants", "2016-05-03", "person/raul-mijango")}


def test_what_ortiz_offered_besides_repression(ask: Ask) -> None:
    answer = ask("""
        SELECT ?bill ?status WHERE {
          ?statement tg:speaker person:oscar-ortiz ; tg:about ?bill .
          ?bill a tg:Legislation ; tg:status ?status .
        }""")
    assert answer == {("event/reintegration-bill", "currently passing through the legislature")}


def test_which_claims_are_insight_crimes_own(ask: Ask) -> None:
    answer = ask("""
        SELECT ?claim WHERE { ?claim a tg:AnalysisClaim ; tg:claimant organization:insightcrime }""")
    assert answer == {(f"claim/{slug}",) for slug in (
        "proposal-unlikely-to-lead-to-talks", "sanchez-ceren-tough-on-gangs", "arrests-followed-laws",
        "lack-of-public-support-is-roadblock", "total-disbanding-hardly-feasible", "no-strong-hierarchy",
        "members-rely-on-crime", "repression-alone-not-promising", "other-initiatives-more-promising")}


def test_claims_are_not_statements(ask: Ask) -> None:
    """What InSight Crime asserts stays apart from what it reports others said."""
    assert ask("SELECT ?x WHERE { ?x a tg:AnalysisClaim , tg:Statement }") == set()
    assert ask("SELECT ?x WHERE { ?x a tg:Statement ; tg:speaker organization:insightcrime }") == set()


def test_which_entities_are_linked_to_wikidata(ask: Ask) -> None:
    answer = ask("""
        SELECT ?entity ?item WHERE {
          GRAPH <https://w3id.org/tregua/graph/wikidata> { ?entity skos:exactMatch ?item } }""")
    assert answer == {
        ("place/el-salvador", "wd:Q792"),
        ("organization/legislative-assembly", "wd:Q1812873"),
        ("organization/arena", "wd:Q1146480"),
        ("organization/fmln", "wd:Q648924"),
        ("organization/gana", "wd:Q5594236"),
    }


def test_every_person_is_linked_or_marked_not_linked(ask: Ask) -> None:
    answer = ask("""
        SELECT ?person WHERE {
          ?person a tg:Person .
          FILTER NOT EXISTS { ?person tg:linkStatus tg:notLinked }
        }""")
    assert answer == set()


def test_events_in_date_order(ask_ordered: AskOrdered) -> None:
    answer = ask_ordered("""
        SELECT ?event (COALESCE(?date, ?start) AS ?when) WHERE {
          ?event a tg:Event .
          OPTIONAL { ?event tg:date ?date }
          OPTIONAL { ?event tg:startDate ?start }
          FILTER(BOUND(?date) || BOUND(?start))
        } ORDER BY STR(?when)""")
    assert answer == [
        ("event/gang-truce-2012", "2012-03-09"),
        ("event/salvador-sanchez-ceren-takes-office", "2014-06-01"),
        ("event/ms13-dialogue-proposal-2016", "2016-03"),
        ("event/laws-outlawing-gang-negotiation", "2016-04"),
        ("event/arrests-of-truce-participants", "2016-05-03"),
        ("event/ms13-dialogue-proposal-2017", "2017-01-09"),
    ]


def test_no_event_has_two_values_of_one_date_property(ask: Ask) -> None:
    answer = ask("""
        SELECT ?event ?p WHERE {
          VALUES ?p { tg:date tg:startDate tg:endDate }
          ?event ?p ?a , ?b . FILTER(?a != ?b)
        }""")
    assert answer == set()


def test_who_took_part_in_the_2012_truce_and_how(ask: Ask) -> None:
    answer = ask("""
        SELECT ?actor ?role WHERE {
          event:gang-truce-2012 tg:hasParticipation ?p . ?p tg:participant ?actor ; tg:role ?role .
        }""")
    assert answer == {
        ("organization/ms13", "tg:party"), ("organization/barrio-18", "tg:party"),
        ("person/david-munguia-payes", "tg:negotiator"), ("person/raul-mijango", "tg:negotiator"),
        ("person/fabio-colindres", "tg:negotiator"), ("person/mauricio-funes", "tg:overseer"),
    }


def test_who_proposed_what_to_whom(ask: Ask) -> None:
    answer = ask(f"""
        SELECT ?actor ?role WHERE {{
          {PROPOSAL} a tg:Proposal ; tg:hasParticipation ?p . ?p tg:participant ?actor ; tg:role ?role .
        }}""")
    assert answer == {("organization/ms13", "tg:proposer"),
                      ("organization/government-of-el-salvador", "tg:addressee"),
                      ("organization/el-faro", "tg:reporter")}


def test_who_responded_to_the_proposal(ask: Ask) -> None:
    answer = ask(f"""SELECT DISTINCT ?who WHERE {{ ?s tg:respondsTo {PROPOSAL} ; tg:speaker ?who }}""")
    assert answer == {(f"person/{slug}",) for slug in (
        "oscar-ortiz", "howard-cotto", "mauricio-ramirez-landaverde", "eugenio-chicas", "guillermo-gallegos",
        "donato-vaquerano")}


def test_who_was_sceptical_and_about_what(ask: Ask) -> None:
    answer = ask("""SELECT ?actor ?issue WHERE {
                      ?s tg:stanceValue tg:sceptical ; tg:stanceOf ?actor ; tg:onIssue ?issue }""")
    assert answer == {("person/eugenio-chicas", "issue/negotiating-with-gangs"),
                      ("person/guillermo-gallegos", "issue/negotiating-with-gangs"),
                      ("person/tim-muth", "issue/negotiating-with-gangs"),
                      ("person/howard-cotto", "issue/repression-of-gangs")}


def test_what_was_said_outside_the_news_outlets(ask: Ask) -> None:
    answer = ask("""SELECT ?speaker ?medium WHERE { ?s tg:speaker ?speaker ; tg:medium ?medium }""")
    assert answer == {("person/tim-muth", "blog post")}


def test_party_of_each_deputy(ask: Ask) -> None:
    answer = ask("""
        SELECT ?person ?party ?constituency WHERE {
          ?tenure tg:post post:deputy-of-the-legislative-assembly ; tg:holder ?person ;
                  tg:representing ?party , ?constituency .
          ?party a tg:PoliticalParty . ?constituency a tg:Place .
        }""")
    assert answer == {("person/donato-vaquerano", "organization/arena", "place/san-vicente"),
                      ("person/guillermo-gallegos", "organization/gana", "place/san-salvador-department")}


def test_arena_is_named_in_both_languages(ask: Ask) -> None:
    answer = ask("""SELECT ?label (LANG(?label) AS ?lang) WHERE { organization:arena rdfs:label ?label }""")
    assert answer == {("National Republican Alliance", "en"), ("Alianza Republicana Nacionalista", "es")}


def test_sanchez_ceren_took_office_in_2014(ask: Ask) -> None:
    answer = ask("""
        SELECT ?start ?end ?tookOffice WHERE {
          ?tenure tg:holder person:salvador-sanchez-ceren ; tg:post post:president-of-el-salvador ;
                  tg:startDate ?start ; tg:endDate ?end .
          event:salvador-sanchez-ceren-takes-office tg:hasParticipation [
              tg:participant person:salvador-sanchez-ceren ; tg:role tg:officeHolder ] ; tg:date ?tookOffice .
        }""")
    assert answer == {("2014-06-01", "2019-06-01", "2014-06-01")}


def test_the_rejection_of_a_truce_revival_is_insight_crimes_claim(ask: Ask) -> None:
    """Only InSight Crime's analysis says Sánchez Cerén rejects a revival of the truce: a claim, not a stance."""
    answer = ask("""
        SELECT ?claim ?claimant WHERE {
          ?claim tg:claimant ?claimant ; tg:about person:salvador-sanchez-ceren ;
                 tg:onIssue issue:revival-of-the-2012-truce .
        }""")
    assert answer == {("claim/sanchez-ceren-tough-on-gangs", "organization/insightcrime")}
    assert ask("SELECT ?s WHERE { ?s tg:stanceOf person:salvador-sanchez-ceren }") == set()


def test_every_stance_is_expressed_in_a_reported_statement(ask: Ask) -> None:
    """No stance is read from InSight Crime's own analysis: each one points at a statement."""
    assert ask("""SELECT ?s WHERE { ?s a tg:Stance . FILTER NOT EXISTS { ?s tg:expressedIn ?statement } }""") == set()
    assert ask("""SELECT ?s WHERE { ?s tg:expressedIn/tg:speaker organization:insightcrime }""") == set()


def test_what_the_ms13_spokesmen_aimed_at(ask: Ask) -> None:
    answer = ask("""
        SELECT ?event ?issue WHERE {
          ?s a tg:Statement ; tg:speaker organization:ms13-spokesmen ; tg:about ?event ; tg:onIssue ?issue .
        }""")
    assert answer == {(event, issue)
                      for event in ("event/ms13-dialogue-proposal-2017", "event/ms13-security-forces-conflict")
                      for issue in ("issue/negotiating-with-gangs", "issue/gang-dissolution")}


def test_what_vaquerano_said_of_his_party(ask: Ask) -> None:
    answer = ask("""
        SELECT ?paraphrase ?outlet WHERE {
          ?s tg:speaker person:donato-vaquerano ; tg:about organization:arena ; tg:paraphrase ?paraphrase ;
             tg:reportedBy ?outlet .
        }""")
    assert answer == {("his party played no role in the possible negotiations", "organization/univision")}


def test_what_cotto_acknowledged_about_the_iron_fist(ask: Ask) -> None:
    answer = ask("""
        SELECT ?paraphrase ?outlet ?value WHERE {
          ?s tg:speaker person:howard-cotto ; tg:onIssue issue:repression-of-gangs ; tg:paraphrase ?paraphrase ;
             tg:reportedBy ?outlet .
          ?stance tg:expressedIn ?s ; tg:stanceValue ?value .
        }""")
    assert answer == {("the state’s iron fist approach has not been as effective as was hoped",
                       "organization/el-faro", "tg:sceptical")}


def test_a_query_for_actors_finds_persons_and_organizations(ask: Ask) -> None:
    """Needs the inferred graph: nothing in the sources is typed tg:Actor except two collectives."""
    answer = ask("""SELECT ?x WHERE { ?x a tg:Actor . FILTER(?x IN (person:tim-muth, organization:ms13,
                                                                   organization:salvadoran-public)) }""")
    assert answer == {("person/tim-muth",), ("organization/ms13",), ("organization/salvadoran-public",)}


def test_the_article_as_a_source(ask: Ask) -> None:
    answer = ask("""
        SELECT ?publisher ?url ?date ?file WHERE {
          source:insightcrime-2017-01-ms13-dialogue a tg:Article ; tg:publisher ?publisher ; tg:url ?url ;
              tg:date ?date ; tg:textFile ?file .
        }""")
    assert answer == {("organization/insightcrime",
                       "https://insightcrime.org/news/analysis/el-salvador-govt-unlikely-accept-ms13-dialogue-proposal/",
                       "2017-01", "seed/article.txt")}


def test_persons_the_article_mentions(ask: Ask) -> None:
    answer = ask("""SELECT ?p WHERE {
                      source:insightcrime-2017-01-ms13-dialogue tg:mentions ?p . ?p a tg:Person }""")
    assert answer == {(f"person/{slug}",) for slug in (
        "salvador-sanchez-ceren", "oscar-ortiz", "howard-cotto", "mauricio-ramirez-landaverde",
        "eugenio-chicas", "guillermo-gallegos", "donato-vaquerano", "tim-muth")}


def test_events_named_in_spanish(ask: Ask) -> None:
    """Our own descriptive labels (events, issues) carry Spanish as well as English."""
    answer = ask("""SELECT ?event ?label WHERE {
        ?event a tg:Event ; rdfs:label ?label . FILTER(LANG(?label) = "es") }""")
    assert answer == {
        ("event/ms13-dialogue-proposal-2017", "propuesta de diálogo de la MS13"),
        ("event/ms13-dialogue-proposal-2016", "propuesta de diálogo de la MS13 de marzo de 2016"),
        ("event/gang-truce-2012", "tregua entre pandillas de 2012"),
        ("event/salvador-sanchez-ceren-takes-office", "Salvador Sánchez Cerén asume la presidencia"),
        ("event/laws-outlawing-gang-negotiation", "leyes que prohíben negociar con las pandillas"),
        ("event/arrests-of-truce-participants", "detenciones de personas implicadas en la tregua de 2012"),
        ("event/reintegration-bill", "proyecto de ley de reinserción social de los pandilleros"),
        ("event/ms13-security-forces-conflict", "conflicto entre la MS13 y las fuerzas de seguridad"),
    }
