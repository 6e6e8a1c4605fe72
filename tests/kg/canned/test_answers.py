# ruff: noqa: E501  (rows hold whole quotes from the article: long lines are the data)
"""Every canned query against the real build: the EXACT rows the sources give.

Each expectation below was checked against the article (../shared/seed/article.txt) and the
reference notes; a change in the data that changes an answer must show up here, and be checked
against the sources again before the expectation is updated."""

from __future__ import annotations

import pytest

from kg import canned
from kg.store.engine import InProcessEngine

from .conftest import plain_rows

ID = "https://w3id.org/tregua/id/"

CASES = [
    pytest.param('analysis-claims', {'about': 'id:issue/gang-dissolution'}, ['claim', 'claimant_name', 'text', 'subjects', 'source_title', 'start', 'end'], [
        (ID + 'claim/total-disbanding-hardly-feasible', 'InSight Crime', 'Moreover, regardless of the government’s stance, the total disbanding of the MS13 is hardly a feasible concept.', 'dissolution of the MS13', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '4981', '5092'),
        (ID + 'claim/no-strong-hierarchy', 'InSight Crime', 'While gang leaders have a certain level of control over its street-level members, the group’s lack of a strongly hierarchical leadership structure would make it difficult to ensure that all factions of the gang would come on board with the process.', 'dissolution of the MS13', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '5093', '5341'),
        (ID + 'claim/members-rely-on-crime', 'InSight Crime', 'Adding to this dynamic is the fact that many rank and file gang members rely on extortion and other criminal activities to sustain themselves and their families, giving them little incentive to enter the legitimate sphere of society.', 'dissolution of the MS13; social reintegration of gang members', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '5342', '5575'),
    ], id='analysis-claims-about'),
    pytest.param('conditions-for-dialogue', {'set_by': 'id:person/guillermo-gallegos'}, ['condition', 'requirement', 'set_by_name', 'required_of_name', 'stance'], [
        (ID + 'condition/guillermo-gallegos-abandon-violence-first', 'before any negotiations, they must first abandon violence', 'Guillermo Gallegos', 'MS13', 'conditional'),
        (ID + 'condition/guillermo-gallegos-hand-over-weapons', 'have to hand over their weapons', 'Guillermo Gallegos', 'MS13', 'conditional'),
        (ID + 'condition/guillermo-gallegos-leaders-into-the-open', 'their leaders have to come out into the open', 'Guillermo Gallegos', 'MS13', 'conditional'),
    ], id='conditions-for-dialogue-set_by'),
    pytest.param('entity-lookup', {'name': 'ramirez landaverde'}, ['entity', 'label', 'kind', 'matched_names'], [
        (ID + 'person/mauricio-ramirez-landaverde', 'Mauricio Ramírez Landaverde', 'person', 'Mauricio Ramírez Landaverde'),
    ], id='entity-lookup-name'),
    pytest.param('event-participants', {'event': 'id:event/gang-truce-2012'}, ['event_name', 'participant_name', 'role', 'participant'], [
        ('2012 gang truce', 'David Munguía Payés', 'negotiator', ID + 'person/david-munguia-payes'),
        ('2012 gang truce', 'Fabio Colindres', 'negotiator', ID + 'person/fabio-colindres'),
        ('2012 gang truce', 'Raúl Mijango', 'negotiator', ID + 'person/raul-mijango'),
        ('2012 gang truce', 'Mauricio Funes', 'overseer', ID + 'person/mauricio-funes'),
        ('2012 gang truce', 'Barrio 18', 'party', ID + 'organization/barrio-18'),
        ('2012 gang truce', 'MS13', 'party', ID + 'organization/ms13'),
    ], id='event-participants-event'),
    pytest.param('linked-entities', {}, ['entity', 'name', 'kind', 'qid', 'wikidata'], [
        (ID + 'organization/fmln', 'Farabundo Martí National Liberation Front', 'organization', 'Q648924', 'http://www.wikidata.org/entity/Q648924'),
        (ID + 'organization/gana', 'Grand Alliance for National Unity', 'organization', 'Q5594236', 'http://www.wikidata.org/entity/Q5594236'),
        (ID + 'organization/legislative-assembly', 'Legislative Assembly', 'organization', 'Q1812873', 'http://www.wikidata.org/entity/Q1812873'),
        (ID + 'organization/arena', 'National Republican Alliance', 'organization', 'Q1146480', 'http://www.wikidata.org/entity/Q1146480'),
        (ID + 'place/el-salvador', 'El Salvador', 'place', 'Q792', 'http://www.wikidata.org/entity/Q792'),
    ], id='linked-entities'),
    pytest.param('outlet-reports', {}, ['outlet_name', 'speaker_name', 'statements', 'quotes', 'paraphrases', 'issues'], [
        ('Diario Co Latino', 'Mauricio Ramírez Landaverde', '1', '1', '1', 'negotiating with the gangs'),
        ('El Faro', 'Eugenio Chicas', '1', '1', '1', 'negotiating with the gangs'),
        ('El Faro', 'Howard Cotto', '2', '1', '2', 'negotiating with the gangs; repression of the gangs'),
        ('El Faro', 'MS13 spokesmen', '1', '0', '2', 'dissolution of the MS13; negotiating with the gangs'),
        ('El Mundo', 'Oscar Ortiz', '1', '2', '0', 'negotiating with the gangs'),
        ('Univision', 'Donato Vaquerano', '2', '1', '2', 'negotiating with the gangs'),
        ('Univision', 'Guillermo Gallegos', '1', '2', '1', 'negotiating with the gangs'),
    ], id='outlet-reports'),
    pytest.param('people-by-organization', {'organization': 'id:organization/legislative-assembly'}, ['person', 'name', 'office', 'unit_name', 'party', 'attested_on', 'start', 'end', 'attested_before'], [
        (ID + 'person/guillermo-gallegos', 'Guillermo Gallegos', 'Legislative Assembly President', 'Legislative Assembly', 'Grand Alliance for National Unity', '2017-01', '', '', ''),
        (ID + 'person/donato-vaquerano', 'Donato Vaquerano', 'deputy', 'Legislative Assembly', 'National Republican Alliance', '2017-01', '2015', '2018', ''),
        (ID + 'person/guillermo-gallegos', 'Guillermo Gallegos', 'deputy', 'Legislative Assembly', 'Grand Alliance for National Unity', '', '2015', '2018', ''),
    ], id='people-by-organization-organization'),
    pytest.param('positions-of-actor', {'actor': 'https://w3id.org/tregua/id/person/eugenio-chicas'}, ['issue', 'stance', 'statements'], [
        ('negotiating with the gangs', 'conditional', '1'),
        ('negotiating with the gangs', 'does not rule out', '2'),
        ('negotiating with the gangs', 'sceptical', '2'),
    ], id='positions-of-actor-actor'),
    pytest.param('positions', {'position': 'reject'}, ['actor', 'name', 'office', 'party', 'stance', 'statements'], [
        (ID + 'organization/government-of-el-salvador', 'Government of El Salvador', '', '', 'rejects', '2'),
        (ID + 'person/howard-cotto', 'Howard Cotto', 'Police Director', '', 'rejects', '1'),
        (ID + 'person/mauricio-ramirez-landaverde', 'Mauricio Ramírez Landaverde', 'Justice and Public Security Minister', '', 'rejects', '1'),
        (ID + 'person/oscar-ortiz', 'Oscar Ortiz', 'Vice President of El Salvador', '', 'rejects', '2'),
    ], id='positions-position'),
    pytest.param('positions-over-time', {'actor': 'id:person/eugenio-chicas', 'issue': 'id:issue/negotiating-with-gangs'}, ['actor_name', 'issue_name', 'stance', 'date', 'source_title', 'statement'], [
        ('Eugenio Chicas', 'negotiating with the gangs', 'conditional', '2017-01', 'El Salvador govt unlikely to accept MS13 dialogue proposal', ID + 'statement/eugenio-chicas-conditions'),
        ('Eugenio Chicas', 'negotiating with the gangs', 'does not rule out', '2017-01', 'El Salvador govt unlikely to accept MS13 dialogue proposal', ID + 'statement/eugenio-chicas-not-ruled-out'),
        ('Eugenio Chicas', 'negotiating with the gangs', 'does not rule out', '2017-01', 'El Salvador govt unlikely to accept MS13 dialogue proposal', ID + 'statement/eugenio-chicas-president-may-decide'),
        ('Eugenio Chicas', 'negotiating with the gangs', 'sceptical', '2017-01', 'El Salvador govt unlikely to accept MS13 dialogue proposal', ID + 'statement/eugenio-chicas-conditions'),
        ('Eugenio Chicas', 'negotiating with the gangs', 'sceptical', '2017-01', 'El Salvador govt unlikely to accept MS13 dialogue proposal', ID + 'statement/eugenio-chicas-society-opposes'),
    ], id='positions-over-time-actor-issue'),
    pytest.param('quotes-by-issue', {'issue': 'https://w3id.org/tregua/id/issue/repression-of-gangs'}, ['quote', 'speaker_name', 'text', 'outlet', 'source_title', 'date'], [
        (ID + 'quote/oscar-ortiz-attack-even-harder', 'Oscar Ortiz', 'We will not stop, we will continue attacking those who insist on acting outside of the law, and this year we’re going to [attack] even harder,', '', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
    ], id='quotes-by-issue-issue'),
    pytest.param('quotes-by-outlet', {'outlet': 'https://w3id.org/tregua/id/organization/el-faro'}, ['quote', 'speaker_name', 'office', 'text', 'issues', 'source_title', 'date'], [
        (ID + 'quote/howard-cotto-utterly-wrong', 'Howard Cotto', 'Police Director', 'All that they offer is to continue committing crimes if we don’t negotiate with them and that is utterly wrong…What do they offer? To stop killing or stop extorting? And in return they want something? No! Just stop doing it,', 'negotiating with the gangs', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'quote/eugenio-chicas-inflexible', 'Eugenio Chicas', 'President’s Press Secretary', 'inflexible…until today.', 'negotiating with the gangs', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
    ], id='quotes-by-outlet-outlet'),
    pytest.param('quotes-by-speaker', {'speaker': 'https://w3id.org/tregua/id/person/oscar-ortiz'}, ['quote', 'text', 'outlet', 'issues', 'source_title', 'date', 'start', 'end'], [
        (ID + 'quote/oscar-ortiz-stop-murdering', 'They have to stop murdering citizens, extorting families, killing police, murdering soldiers,', 'El Mundo', 'negotiating with the gangs', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01', '994', '1087'),
        (ID + 'quote/oscar-ortiz-desist', 'desist.', 'El Mundo', 'negotiating with the gangs', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01', '1163', '1170'),
        (ID + 'quote/oscar-ortiz-attack-even-harder', 'We will not stop, we will continue attacking those who insist on acting outside of the law, and this year we’re going to [attack] even harder,', '', 'repression of the gangs', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01', '1174', '1316'),
    ], id='quotes-by-speaker-speaker'),
    pytest.param('responses-network', {}, ['responder_name', 'answered_name', 'via', 'weight', 'responder_iri', 'answered_iri'], [
        ('Donato Vaquerano', 'MS13', 'MS13 proposal of dialogue', '2', ID + 'person/donato-vaquerano', ID + 'organization/ms13'),
        ('Eugenio Chicas', 'MS13', 'MS13 proposal of dialogue', '4', ID + 'person/eugenio-chicas', ID + 'organization/ms13'),
        ('Guillermo Gallegos', 'MS13', 'MS13 proposal of dialogue', '2', ID + 'person/guillermo-gallegos', ID + 'organization/ms13'),
        ('Howard Cotto', 'MS13', 'MS13 proposal of dialogue', '1', ID + 'person/howard-cotto', ID + 'organization/ms13'),
        ('Mauricio Ramírez Landaverde', 'MS13', 'MS13 proposal of dialogue', '1', ID + 'person/mauricio-ramirez-landaverde', ID + 'organization/ms13'),
        ('Oscar Ortiz', 'MS13', 'MS13 proposal of dialogue', '4', ID + 'person/oscar-ortiz', ID + 'organization/ms13'),
    ], id='responses-network'),
    pytest.param('sources', {}, ['source', 'title', 'publisher', 'url', 'date', 'statements', 'quotes', 'claims'], [
        (ID + 'source/wikipedia-2012-gang-truce', '2012–2014 Salvadoran gang truce (English Wikipedia)', '', 'https://en.wikipedia.org/wiki/2012%E2%80%932014_Salvadoran_gang_truce', '', '0', '0', '0'),
        (ID + 'source/everypolitician-el-salvador-2015-2018', 'EveryPolitician: El Salvador, Legislative Assembly, term 2015–2018', '', '', '', '0', '0', '0'),
        (ID + 'source/insightcrime-negotiations-elusive', 'Negotiations Between El Salvador Govt, MS13 Prove Elusive', 'InSight Crime', '', '', '0', '0', '0'),
        (ID + 'source/wikipedia-salvador-sanchez-ceren', 'Salvador Sánchez Cerén (English Wikipedia)', '', 'https://en.wikipedia.org/wiki/Salvador_S%C3%A1nchez_Cer%C3%A9n', '', '0', '0', '0'),
        (ID + 'source/reference-com-rival-gangs-of-ms13', 'What Are the Rival Gangs of MS-13?', '', '', '', '0', '0', '0'),
        (ID + 'source/diario1-2016-01-cabinet', 'diario1.com, January 2016: the cabinet appointments', '', '', '2016-01', '0', '0', '0'),
        (ID + 'source/splinter-2016-05-law', "Splinter (Fusion), May 2016, on El Salvador's law against negotiating with gangs", '', '', '2016-05', '0', '0', '0'),
        (ID + 'source/vice-news-2016-05-05-arrests', 'VICE News, 2016-05-05, on the arrests of people who helped broker the 2012 truce', '', '', '2016-05-05', '0', '0', '0'),
        (ID + 'source/insightcrime-2017-01-ms13-dialogue', 'El Salvador govt unlikely to accept MS13 dialogue proposal', 'InSight Crime', 'https://insightcrime.org/news/analysis/el-salvador-govt-unlikely-accept-ms13-dialogue-proposal/', '2017-01', '17', '13', '9'),
        (ID + 'source/diario1-2019-05-police-director', "diario1.com, May 2019: Howard Cotto's tenure as director of the PNC", '', '', '2019-05', '0', '0', '0'),
    ], id='sources'),
    pytest.param('stance-counts', {}, ['stance', 'actors', 'actors_on_issue', 'who'], [
        ('rejects', '4', '9', 'Government of El Salvador; Howard Cotto; Mauricio Ramírez Landaverde; Oscar Ortiz'),
        ('sceptical', '3', '9', 'Eugenio Chicas; Guillermo Gallegos; Tim Muth'),
        ('conditional', '2', '9', 'Eugenio Chicas; Guillermo Gallegos'),
        ('does not rule out', '2', '9', 'Eugenio Chicas; Guillermo Gallegos'),
        ('favourable', '2', '9', 'Donato Vaquerano; MS13'),
    ], id='stance-counts'),
    pytest.param('statements-about-event', {'event': 'https://w3id.org/tregua/id/event/ms13-dialogue-proposal-2017'}, ['statement', 'speaker_name', 'office', 'relation', 'quotes', 'paraphrases', 'outlet', 'source_title', 'date'], [
        (ID + 'statement/ms13-spokesmen-dialogue-offer', 'MS13 spokesmen', '', 'about', '', 'the gang wants to enter into negotiations with the Salvadoran government with the aim of reducing the high levels of violence generated by its escalating conflict with the country’s security forces / they would be open to discussing the possible dissolution of the gang and reintegration of members into society', 'El Faro', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'statement/donato-vaquerano-party-no-role', 'Donato Vaquerano', 'deputy', 'responds to', '', 'his party played no role in the possible negotiations', 'Univision', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'statement/donato-vaquerano-welcomes-proposal', 'Donato Vaquerano', 'deputy', 'responds to', 'That’s great! It would be great if they stopped their criminal activities,', 'responded positively to the proposal', 'Univision', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'statement/eugenio-chicas-conditions', 'Eugenio Chicas', 'President’s Press Secretary', 'responds to', '', 'an agreement with the MS13 would depend on the public’s approval, as well as a consensus between political parties and having the sufficient resources to carry out such a process / conditions he says are unlikely to be met', '', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'statement/eugenio-chicas-not-ruled-out', 'Eugenio Chicas', 'President’s Press Secretary', 'responds to', 'inflexible…until today.', 'did not entirely rule out the possibility of the government considering the gang’s proposal', 'El Faro', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'statement/eugenio-chicas-president-may-decide', 'Eugenio Chicas', 'President’s Press Secretary', 'responds to', 'If the president says something else…he has the authority to consider any other option,', '', '', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'statement/eugenio-chicas-society-opposes', 'Eugenio Chicas', 'President’s Press Secretary', 'responds to', 'Not only has El Salvador’s society proved to be against any attempt at dialogue or conversation with the gangs, it also vehemently opposes any advantage or legal benefit for these groups,', '', '', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'statement/guillermo-gallegos-door-never-shut', 'Guillermo Gallegos', 'Legislative Assembly President', 'responds to', 'I must say I’m somewhat incredulous. / The door [to dialogue] can never be totally shut. In this case, alternatives must be sought,', 'declined to completely rule out the possibility of negotiations, while admitting that the talks are unlikely to take place', 'Univision', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'statement/guillermo-gallegos-ultimatum', 'Guillermo Gallegos', 'Legislative Assembly President', 'responds to', 'have to hand over their weapons and their leaders have to come out into the open, otherwise they won’t stop being a violent group. I insist that before any negotiations, they must first abandon violence, because it’s difficult to trust them when their lifestyle consists of murder and extortion.', '', '', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'statement/howard-cotto-rejects-proposal', 'Howard Cotto', 'Police Director', 'responds to', 'All that they offer is to continue committing crimes if we don’t negotiate with them and that is utterly wrong…What do they offer? To stop killing or stop extorting? And in return they want something? No! Just stop doing it,', 'bluntly rejected the MS13 proposal', 'El Faro', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'statement/mauricio-ramirez-landaverde-not-government-policy', 'Mauricio Ramírez Landaverde', 'Justice and Public Security Minister', 'responds to', 'targeted with all of the security forces,', 'it was not government policy to negotiate with criminal groups', 'Diario Co Latino', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'statement/oscar-ortiz-cannot-negotiate', 'Oscar Ortiz', 'Vice President of El Salvador', 'responds to', '', 'it is not possible to negotiate with people who are forcefully intimidating the country', '', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'statement/oscar-ortiz-gangs-must-desist', 'Oscar Ortiz', 'Vice President of El Salvador', 'responds to', 'They have to stop murdering citizens, extorting families, killing police, murdering soldiers, / desist.', '', 'El Mundo', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'statement/oscar-ortiz-keep-attacking', 'Oscar Ortiz', 'Vice President of El Salvador', 'responds to', 'We will not stop, we will continue attacking those who insist on acting outside of the law, and this year we’re going to [attack] even harder,', '', '', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'statement/oscar-ortiz-reintegration-bill', 'Oscar Ortiz', 'Vice President of El Salvador', 'responds to', '', 'highlighted a bill currently passing through the legislature that aims to facilitate the social reintegration of gang members / repressive state action against criminal groups was not the only option available', '', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
    ], id='statements-about-event-event'),
    pytest.param('timeline', {'from_year': '2014', 'to_year': '2016'}, ['event', 'name', 'type', 'start', 'end', 'status'], [
        (ID + 'event/gang-truce-2012', '2012 gang truce', 'truce', '2012-03-09', '2014-05-26', ''),
        (ID + 'event/salvador-sanchez-ceren-takes-office', 'Salvador Sánchez Cerén takes office as President', 'taking office', '2014-06-01', '', ''),
        (ID + 'event/ms13-dialogue-proposal-2016', 'MS13 proposal of dialogue of March 2016', 'proposal', '2016-03', '', ''),
        (ID + 'event/laws-outlawing-gang-negotiation', 'laws outlawing negotiation with the gangs', 'legislation', '2016-04', '', ''),
        (ID + 'event/arrests-of-truce-participants', 'arrests of people involved in the 2012 truce', 'arrest', '2016-05-03', '', ''),
    ], id='timeline-from_year-to_year'),
    pytest.param('unlinked-entities', {'kind': 'person'}, ['entity', 'name', 'entity_kind'], [
        (ID + 'person/david-munguia-payes', 'David Munguía Payés', 'person'),
        (ID + 'person/donato-vaquerano', 'Donato Vaquerano', 'person'),
        (ID + 'person/eugenio-chicas', 'Eugenio Chicas', 'person'),
        (ID + 'person/fabio-colindres', 'Fabio Colindres', 'person'),
        (ID + 'person/guillermo-gallegos', 'Guillermo Gallegos', 'person'),
        (ID + 'person/howard-cotto', 'Howard Cotto', 'person'),
        (ID + 'person/mauricio-funes', 'Mauricio Funes', 'person'),
        (ID + 'person/mauricio-ramirez-landaverde', 'Mauricio Ramírez Landaverde', 'person'),
        (ID + 'person/oscar-ortiz', 'Oscar Ortiz', 'person'),
        (ID + 'person/raul-mijango', 'Raúl Mijango', 'person'),
        (ID + 'person/salvador-sanchez-ceren', 'Salvador Sánchez Cerén', 'person'),
        (ID + 'person/tim-muth', 'Tim Muth', 'person'),
    ], id='unlinked-entities-kind'),
    pytest.param('positions', {}, ['actor', 'name', 'office', 'party', 'stance', 'statements'], [
        (ID + 'person/donato-vaquerano', 'Donato Vaquerano', 'deputy', 'National Republican Alliance', 'favourable', '1'),
        (ID + 'person/eugenio-chicas', 'Eugenio Chicas', 'President’s Press Secretary', '', 'conditional', '1'),
        (ID + 'person/eugenio-chicas', 'Eugenio Chicas', 'President’s Press Secretary', '', 'does not rule out', '2'),
        (ID + 'person/eugenio-chicas', 'Eugenio Chicas', 'President’s Press Secretary', '', 'sceptical', '2'),
        (ID + 'organization/government-of-el-salvador', 'Government of El Salvador', '', '', 'rejects', '2'),
        (ID + 'person/guillermo-gallegos', 'Guillermo Gallegos', 'Legislative Assembly President', 'Grand Alliance for National Unity', 'conditional', '1'),
        (ID + 'person/guillermo-gallegos', 'Guillermo Gallegos', 'Legislative Assembly President', 'Grand Alliance for National Unity', 'does not rule out', '1'),
        (ID + 'person/guillermo-gallegos', 'Guillermo Gallegos', 'Legislative Assembly President', 'Grand Alliance for National Unity', 'sceptical', '1'),
        (ID + 'person/howard-cotto', 'Howard Cotto', 'Police Director', '', 'rejects', '1'),
        (ID + 'organization/ms13', 'MS13', '', '', 'favourable', '1'),
        (ID + 'person/mauricio-ramirez-landaverde', 'Mauricio Ramírez Landaverde', 'Justice and Public Security Minister', '', 'rejects', '1'),
        (ID + 'person/oscar-ortiz', 'Oscar Ortiz', 'Vice President of El Salvador', '', 'rejects', '2'),
        (ID + 'person/tim-muth', 'Tim Muth', '', '', 'sceptical', '1'),
    ], id='positions'),
    pytest.param('conditions-for-dialogue', {}, ['condition', 'requirement', 'set_by_name', 'required_of_name', 'stance'], [
        (ID + 'condition/eugenio-chicas-party-consensus', 'a consensus between political parties', 'Eugenio Chicas', 'Salvadoran political parties', 'conditional'),
        (ID + 'condition/eugenio-chicas-public-approval', 'the public’s approval', 'Eugenio Chicas', 'the Salvadoran public', 'conditional'),
        (ID + 'condition/eugenio-chicas-sufficient-resources', 'having the sufficient resources to carry out such a process', 'Eugenio Chicas', 'Government of El Salvador', 'conditional'),
        (ID + 'condition/guillermo-gallegos-abandon-violence-first', 'before any negotiations, they must first abandon violence', 'Guillermo Gallegos', 'MS13', 'conditional'),
        (ID + 'condition/guillermo-gallegos-hand-over-weapons', 'have to hand over their weapons', 'Guillermo Gallegos', 'MS13', 'conditional'),
        (ID + 'condition/guillermo-gallegos-leaders-into-the-open', 'their leaders have to come out into the open', 'Guillermo Gallegos', 'MS13', 'conditional'),
    ], id='conditions-for-dialogue'),
    pytest.param('timeline', {}, ['event', 'name', 'type', 'start', 'end', 'status'], [
        (ID + 'event/gang-truce-2012', '2012 gang truce', 'truce', '2012-03-09', '2014-05-26', ''),
        (ID + 'event/salvador-sanchez-ceren-takes-office', 'Salvador Sánchez Cerén takes office as President', 'taking office', '2014-06-01', '', ''),
        (ID + 'event/ms13-dialogue-proposal-2016', 'MS13 proposal of dialogue of March 2016', 'proposal', '2016-03', '', ''),
        (ID + 'event/laws-outlawing-gang-negotiation', 'laws outlawing negotiation with the gangs', 'legislation', '2016-04', '', ''),
        (ID + 'event/arrests-of-truce-participants', 'arrests of people involved in the 2012 truce', 'arrest', '2016-05-03', '', ''),
        (ID + 'event/ms13-dialogue-proposal-2017', 'MS13 proposal of dialogue', 'proposal', '2017-01-09', '', ''),
        (ID + 'event/reintegration-bill', 'bill on the social reintegration of gang members', 'legislation', '', '', 'currently passing through the legislature'),
        (ID + 'event/ms13-security-forces-conflict', 'conflict between the MS13 and the security forces', 'conflict', '', '', 'escalating'),
    ], id='timeline'),
    pytest.param('timeline', {'to_year': '2013'}, ['event', 'name', 'type', 'start', 'end', 'status'], [
        (ID + 'event/gang-truce-2012', '2012 gang truce', 'truce', '2012-03-09', '2014-05-26', ''),
    ], id='timeline-to_year'),
    pytest.param('people-by-organization', {}, ['person', 'name', 'office', 'unit_name', 'party', 'attested_on', 'start', 'end', 'attested_before'], [
        (ID + 'person/salvador-sanchez-ceren', 'Salvador Sánchez Cerén', 'President of El Salvador', 'Government of El Salvador', 'Farabundo Martí National Liberation Front', '2017-01', '2014-06-01', '2019-06-01', ''),
        (ID + 'person/eugenio-chicas', 'Eugenio Chicas', 'President’s Press Secretary', 'Government of El Salvador', '', '2017-01', '', '', ''),
        (ID + 'person/oscar-ortiz', 'Oscar Ortiz', 'Vice President of El Salvador', 'Government of El Salvador', '', '2017-01', '', '', ''),
        (ID + 'person/guillermo-gallegos', 'Guillermo Gallegos', 'Legislative Assembly President', 'Legislative Assembly', 'Grand Alliance for National Unity', '2017-01', '', '', ''),
        (ID + 'person/donato-vaquerano', 'Donato Vaquerano', 'deputy', 'Legislative Assembly', 'National Republican Alliance', '2017-01', '2015', '2018', ''),
        (ID + 'person/guillermo-gallegos', 'Guillermo Gallegos', 'deputy', 'Legislative Assembly', 'Grand Alliance for National Unity', '', '2015', '2018', ''),
        (ID + 'person/mauricio-ramirez-landaverde', 'Mauricio Ramírez Landaverde', 'Justice and Public Security Minister', 'Ministry of Justice and Public Security', '', '2017-01', '2016-01', '', ''),
        (ID + 'person/mauricio-ramirez-landaverde', 'Mauricio Ramírez Landaverde', 'Deputy Director General of the National Civil Police', 'police', '', '', '', '', '2016-01'),
        (ID + 'person/howard-cotto', 'Howard Cotto', 'Police Director', 'police', '', '2017-01', '2016-01-22', '2019-05', ''),
        (ID + 'person/mauricio-ramirez-landaverde', 'Mauricio Ramírez Landaverde', 'Police Director', 'police', '', '', '', '', '2016-01'),
        (ID + 'person/howard-cotto', 'Howard Cotto', 'deputy director of the National Civil Police', 'police', '', '', '', '', '2016-01-22'),
    ], id='people-by-organization'),
    pytest.param('event-participants', {'event': 'id:event/ms13-dialogue-proposal-2017'}, ['event_name', 'participant_name', 'role', 'participant'], [
        ('MS13 proposal of dialogue', 'Government of El Salvador', 'addressee', ID + 'organization/government-of-el-salvador'),
        ('MS13 proposal of dialogue', 'MS13', 'proposer', ID + 'organization/ms13'),
        ('MS13 proposal of dialogue', 'El Faro', 'reporter', ID + 'organization/el-faro'),
    ], id='event-participants-event'),
    pytest.param('responses-network', {'responder': 'id:person/howard-cotto'}, ['responder_name', 'answered_name', 'via', 'weight', 'responder_iri', 'answered_iri'], [
        ('Howard Cotto', 'MS13', 'MS13 proposal of dialogue', '1', ID + 'person/howard-cotto', ID + 'organization/ms13'),
    ], id='responses-network-responder'),
    pytest.param('entity-lookup', {'name': '  HOWARD cotto'}, ['entity', 'label', 'kind', 'matched_names'], [
        (ID + 'person/howard-cotto', 'Howard Cotto', 'person', 'Howard Cotto'),
        (ID + 'source/diario1-2019-05-police-director', "diario1.com, May 2019: Howard Cotto's tenure as director of the PNC", 'source', "diario1.com, May 2019: Howard Cotto's tenure as director of the PNC"),
    ], id='entity-lookup-name'),
    pytest.param('quotes-by-speaker', {'speaker': 'id:person/guillermo-gallegos'}, ['quote', 'text', 'outlet', 'issues', 'source_title', 'date', 'start', 'end'], [
        (ID + 'quote/guillermo-gallegos-door-never-shut', 'The door [to dialogue] can never be totally shut. In this case, alternatives must be sought,', 'Univision', 'negotiating with the gangs', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01', '3201', '3293'),
        (ID + 'quote/guillermo-gallegos-incredulous', 'I must say I’m somewhat incredulous.', 'Univision', 'negotiating with the gangs', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01', '3339', '3375'),
        (ID + 'quote/guillermo-gallegos-ultimatum', 'have to hand over their weapons and their leaders have to come out into the open, otherwise they won’t stop being a violent group. I insist that before any negotiations, they must first abandon violence, because it’s difficult to trust them when their lifestyle consists of murder and extortion.', '', 'negotiating with the gangs', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01', '3427', '3722'),
    ], id='quotes-by-speaker-speaker'),
    pytest.param('quotes-by-issue', {'issue': 'id:issue/negotiating-with-gangs'}, ['quote', 'speaker_name', 'text', 'outlet', 'source_title', 'date'], [
        (ID + 'quote/oscar-ortiz-stop-murdering', 'Oscar Ortiz', 'They have to stop murdering citizens, extorting families, killing police, murdering soldiers,', 'El Mundo', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'quote/oscar-ortiz-desist', 'Oscar Ortiz', 'desist.', 'El Mundo', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'quote/howard-cotto-utterly-wrong', 'Howard Cotto', 'All that they offer is to continue committing crimes if we don’t negotiate with them and that is utterly wrong…What do they offer? To stop killing or stop extorting? And in return they want something? No! Just stop doing it,', 'El Faro', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'quote/mauricio-ramirez-landaverde-targeted', 'Mauricio Ramírez Landaverde', 'targeted with all of the security forces,', 'Diario Co Latino', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'quote/eugenio-chicas-inflexible', 'Eugenio Chicas', 'inflexible…until today.', 'El Faro', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'quote/eugenio-chicas-president-authority', 'Eugenio Chicas', 'If the president says something else…he has the authority to consider any other option,', '', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'quote/eugenio-chicas-society-against', 'Eugenio Chicas', 'Not only has El Salvador’s society proved to be against any attempt at dialogue or conversation with the gangs, it also vehemently opposes any advantage or legal benefit for these groups,', '', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'quote/guillermo-gallegos-door-never-shut', 'Guillermo Gallegos', 'The door [to dialogue] can never be totally shut. In this case, alternatives must be sought,', 'Univision', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'quote/guillermo-gallegos-incredulous', 'Guillermo Gallegos', 'I must say I’m somewhat incredulous.', 'Univision', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'quote/guillermo-gallegos-ultimatum', 'Guillermo Gallegos', 'have to hand over their weapons and their leaders have to come out into the open, otherwise they won’t stop being a violent group. I insist that before any negotiations, they must first abandon violence, because it’s difficult to trust them when their lifestyle consists of murder and extortion.', '', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'quote/donato-vaquerano-great', 'Donato Vaquerano', 'That’s great! It would be great if they stopped their criminal activities,', 'Univision', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
        (ID + 'quote/tim-muth-extreme-distaste', 'Tim Muth', 'Given the extreme distaste among the general public for the idea of negotiation with the gangs, I certainly do not expect the government to agree to any kind of open dialogue,', 'blog post', 'El Salvador govt unlikely to accept MS13 dialogue proposal', '2017-01'),
    ], id='quotes-by-issue-issue'),
    pytest.param('timeline-items', {}, ['item', 'kind', 'label', 'type', 'start', 'end', 'actors', 'actor_names', 'stances', 'responds_to', 'stances_on'], [
        (ID + 'event/gang-truce-2012', 'event', '2012 gang truce', 'truce', '2012-03-09', '2014-05-26', ID + 'organization/barrio-18 https://w3id.org/tregua/id/person/david-munguia-payes https://w3id.org/tregua/id/person/fabio-colindres https://w3id.org/tregua/id/organization/ms13 https://w3id.org/tregua/id/person/mauricio-funes https://w3id.org/tregua/id/person/raul-mijango', 'Barrio 18; David Munguía Payés; Fabio Colindres; MS13; Mauricio Funes; Raúl Mijango', '', '', ''),
        (ID + 'event/salvador-sanchez-ceren-takes-office', 'event', 'Salvador Sánchez Cerén takes office as President', 'taking office', '2014-06-01', '', ID + 'person/salvador-sanchez-ceren', 'Salvador Sánchez Cerén', '', '', ''),
        (ID + 'event/ms13-dialogue-proposal-2016', 'event', 'MS13 proposal of dialogue of March 2016', 'proposal', '2016-03', '', ID + 'organization/ms13', 'MS13', '', '', ''),
        (ID + 'event/laws-outlawing-gang-negotiation', 'event', 'laws outlawing negotiation with the gangs', 'legislation', '2016-04', '', '', '', '', '', ''),
        (ID + 'event/arrests-of-truce-participants', 'event', 'arrests of people involved in the 2012 truce', 'arrest', '2016-05-03', '', ID + 'organization/government-of-el-salvador https://w3id.org/tregua/id/person/raul-mijango', 'Government of El Salvador; Raúl Mijango', '', '', ''),
        (ID + 'statement/tim-muth-no-open-dialogue', 'statement', 'Given the extreme distaste among the general public for the idea of negotiation with the gangs, I certainly do not expect the government to agree to any kind of open dialogue,', 'statement', '2017-01', '', ID + 'person/tim-muth', 'Tim Muth', 'sceptical', '', 'sceptical https://w3id.org/tregua/id/issue/negotiating-with-gangs negotiating with the gangs'),
        (ID + 'statement/eugenio-chicas-president-may-decide', 'statement', 'If the president says something else…he has the authority to consider any other option,', 'statement', '2017-01', '', ID + 'person/eugenio-chicas', 'Eugenio Chicas', 'notRuledOut', ID + 'event/ms13-dialogue-proposal-2017', 'notRuledOut https://w3id.org/tregua/id/issue/negotiating-with-gangs negotiating with the gangs'),
        (ID + 'statement/eugenio-chicas-society-opposes', 'statement', 'Not only has El Salvador’s society proved to be against any attempt at dialogue or conversation with the gangs, it also vehemently opposes any advantage or legal benefit for these groups,', 'statement', '2017-01', '', ID + 'person/eugenio-chicas', 'Eugenio Chicas', 'sceptical', ID + 'event/ms13-dialogue-proposal-2017', 'sceptical https://w3id.org/tregua/id/issue/negotiating-with-gangs negotiating with the gangs'),
        (ID + 'statement/oscar-ortiz-gangs-must-desist', 'statement', 'They have to stop murdering citizens, extorting families, killing police, murdering soldiers,', 'statement', '2017-01', '', ID + 'person/oscar-ortiz', 'Oscar Ortiz', 'reject', ID + 'event/ms13-dialogue-proposal-2017', 'reject https://w3id.org/tregua/id/issue/negotiating-with-gangs negotiating with the gangs'),
        (ID + 'statement/oscar-ortiz-keep-attacking', 'statement', 'We will not stop, we will continue attacking those who insist on acting outside of the law, and this year we’re going to [attack] even harder,', 'statement', '2017-01', '', ID + 'person/oscar-ortiz', 'Oscar Ortiz', 'favourable', ID + 'event/ms13-dialogue-proposal-2017', 'favourable https://w3id.org/tregua/id/issue/repression-of-gangs repression of the gangs'),
        (ID + 'statement/eugenio-chicas-conditions', 'statement', 'an agreement with the MS13 would depend on the public’s approval, as well as a consensus between political parties and having the sufficient resources to carry out such a process', 'statement', '2017-01', '', ID + 'person/eugenio-chicas', 'Eugenio Chicas', 'conditional sceptical', ID + 'event/ms13-dialogue-proposal-2017', 'conditional https://w3id.org/tregua/id/issue/negotiating-with-gangs negotiating with the gangs; sceptical https://w3id.org/tregua/id/issue/negotiating-with-gangs negotiating with the gangs'),
        (ID + 'statement/howard-cotto-rejects-proposal', 'statement', 'bluntly rejected the MS13 proposal', 'statement', '2017-01', '', ID + 'person/howard-cotto', 'Howard Cotto', 'reject', ID + 'event/ms13-dialogue-proposal-2017', 'reject https://w3id.org/tregua/id/issue/negotiating-with-gangs negotiating with the gangs'),
        (ID + 'statement/guillermo-gallegos-door-never-shut', 'statement', 'declined to completely rule out the possibility of negotiations, while admitting that the talks are unlikely to take place', 'statement', '2017-01', '', ID + 'person/guillermo-gallegos', 'Guillermo Gallegos', 'notRuledOut sceptical', ID + 'event/ms13-dialogue-proposal-2017', 'notRuledOut https://w3id.org/tregua/id/issue/negotiating-with-gangs negotiating with the gangs; sceptical https://w3id.org/tregua/id/issue/negotiating-with-gangs negotiating with the gangs'),
        (ID + 'statement/eugenio-chicas-not-ruled-out', 'statement', 'did not entirely rule out the possibility of the government considering the gang’s proposal', 'statement', '2017-01', '', ID + 'person/eugenio-chicas', 'Eugenio Chicas', 'notRuledOut reject', ID + 'event/ms13-dialogue-proposal-2017', 'notRuledOut https://w3id.org/tregua/id/issue/negotiating-with-gangs negotiating with the gangs; reject https://w3id.org/tregua/id/issue/negotiating-with-gangs negotiating with the gangs'),
        (ID + 'statement/guillermo-gallegos-ultimatum', 'statement', 'have to hand over their weapons and their leaders have to come out into the open, otherwise they won’t stop being a violent group. I insist that before any negotiations, they must first abandon violence, because it’s difficult to trust them when their lifestyle consists of murder and extortion.', 'statement', '2017-01', '', ID + 'person/guillermo-gallegos', 'Guillermo Gallegos', 'conditional', ID + 'event/ms13-dialogue-proposal-2017', 'conditional https://w3id.org/tregua/id/issue/negotiating-with-gangs negotiating with the gangs'),
        (ID + 'statement/oscar-ortiz-reintegration-bill', 'statement', 'highlighted a bill currently passing through the legislature that aims to facilitate the social reintegration of gang members', 'statement', '2017-01', '', ID + 'person/oscar-ortiz', 'Oscar Ortiz', 'favourable', ID + 'event/ms13-dialogue-proposal-2017', 'favourable https://w3id.org/tregua/id/issue/reintegration-of-gang-members social reintegration of gang members'),
        (ID + 'statement/donato-vaquerano-party-no-role', 'statement', 'his party played no role in the possible negotiations', 'statement', '2017-01', '', ID + 'person/donato-vaquerano', 'Donato Vaquerano', '', ID + 'event/ms13-dialogue-proposal-2017', ''),
        (ID + 'statement/oscar-ortiz-cannot-negotiate', 'statement', 'it is not possible to negotiate with people who are forcefully intimidating the country', 'statement', '2017-01', '', ID + 'person/oscar-ortiz', 'Oscar Ortiz', 'reject', ID + 'event/ms13-dialogue-proposal-2017', 'reject https://w3id.org/tregua/id/issue/negotiating-with-gangs negotiating with the gangs'),
        (ID + 'statement/mauricio-ramirez-landaverde-not-government-policy', 'statement', 'it was not government policy to negotiate with criminal groups', 'statement', '2017-01', '', ID + 'person/mauricio-ramirez-landaverde', 'Mauricio Ramírez Landaverde', 'reject', ID + 'event/ms13-dialogue-proposal-2017', 'reject https://w3id.org/tregua/id/issue/negotiating-with-gangs negotiating with the gangs'),
        (ID + 'statement/donato-vaquerano-welcomes-proposal', 'statement', 'responded positively to the proposal', 'statement', '2017-01', '', ID + 'person/donato-vaquerano', 'Donato Vaquerano', 'favourable', ID + 'event/ms13-dialogue-proposal-2017', 'favourable https://w3id.org/tregua/id/issue/negotiating-with-gangs negotiating with the gangs'),
        (ID + 'statement/ms13-spokesmen-dialogue-offer', 'statement', 'the gang wants to enter into negotiations with the Salvadoran government with the aim of reducing the high levels of violence generated by its escalating conflict with the country’s security forces', 'statement', '2017-01', '', ID + 'organization/ms13-spokesmen', 'MS13 spokesmen', 'favourable notRuledOut', '', 'favourable https://w3id.org/tregua/id/issue/negotiating-with-gangs negotiating with the gangs; notRuledOut https://w3id.org/tregua/id/issue/gang-dissolution dissolution of the MS13'),
        (ID + 'statement/howard-cotto-iron-fist', 'statement', 'the state’s iron fist approach has not been as effective as was hoped', 'statement', '2017-01', '', ID + 'person/howard-cotto', 'Howard Cotto', 'sceptical', '', 'sceptical https://w3id.org/tregua/id/issue/repression-of-gangs repression of the gangs'),
        (ID + 'event/ms13-dialogue-proposal-2017', 'event', 'MS13 proposal of dialogue', 'proposal', '2017-01-09', '', ID + 'organization/el-faro https://w3id.org/tregua/id/organization/government-of-el-salvador https://w3id.org/tregua/id/organization/ms13', 'El Faro; Government of El Salvador; MS13', '', '', ''),
        (ID + 'event/reintegration-bill', 'event', 'bill on the social reintegration of gang members', 'legislation', '', '', ID + 'organization/legislative-assembly', 'Legislative Assembly', '', '', ''),
        (ID + 'event/ms13-security-forces-conflict', 'event', 'conflict between the MS13 and the security forces', 'conflict', '', '', ID + 'organization/ms13 https://w3id.org/tregua/id/organization/salvadoran-security-forces', 'MS13; security forces', '', '', ''),
    ], id='timeline-items'),
    pytest.param('stance-network', {'issue': 'id:issue/repression-of-gangs', 'lang': 'es'}, ['actor', 'actor_name', 'actor_kind', 'issue_iri', 'issue_name', 'value', 'stance', 'condition', 'requirement', 'required_of', 'required_of_name', 'reporters', 'reporter_names'], [
        (ID + 'person/oscar-ortiz', 'Oscar Ortiz', 'person', ID + 'issue/repression-of-gangs', 'represión de las pandillas', 'favourable', 'favorable', '', '', '', '', ID + 'organization/insightcrime', 'InSight Crime'),
        (ID + 'person/howard-cotto', 'Howard Cotto', 'person', ID + 'issue/repression-of-gangs', 'represión de las pandillas', 'sceptical', 'escéptica', '', '', '', '', ID + 'organization/el-faro', 'El Faro'),
    ], id='stance-network-issue-es'),
]


@pytest.mark.parametrize(("name", "params", "columns", "rows"), CASES)
def test_exact_rows(engine: InProcessEngine, catalog: canned.QueryCatalog, name: str, params: dict[str, str],
                    columns: list[str], rows: list[tuple[str, ...]]) -> None:
    result = canned.run(engine, catalog.get(name), params)
    assert result.variables == columns
    assert plain_rows(result) == rows


def test_every_published_query_has_an_exact_answer_case(catalog: canned.QueryCatalog) -> None:
    assert {q.name for q in catalog} <= {c.values[0] for c in CASES}


@pytest.mark.parametrize("speaker", ["oscar-ortiz", "eugenio-chicas", "guillermo-gallegos", "howard-cotto"])
def test_quote_offsets_point_at_the_words_in_the_article(engine: InProcessEngine, catalog: canned.QueryCatalog,
                                                         article_text: str, speaker: str) -> None:
    result = canned.run(engine, catalog.get("quotes-by-speaker"), {"speaker": f"id:person/{speaker}"})
    assert result.rows
    for row in result.rows:
        start, end = int(row["start"].value), int(row["end"].value)
        assert article_text[start:end] == row["text"].value


def test_lookup_folds_accents_and_case_both_ways(engine: InProcessEngine, catalog: canned.QueryCatalog) -> None:
    q = catalog.get("entity-lookup")
    first = [plain_rows(canned.run(engine, q, {"name": n}))[0][0]
             for n in ("sanchez ceren", "SÁNCHEZ CERÉN", "Sánchez Cerén", "sÁnchez")]
    assert first == [ID + "person/salvador-sanchez-ceren"] * 4
    assert plain_rows(canned.run(engine, q, {"name": "ramirez"}))[0][0] == ID + "person/mauricio-ramirez-landaverde"
    assert plain_rows(canned.run(engine, q, {"name": "no such name anywhere"})) == []
