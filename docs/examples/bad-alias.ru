# A write the SHACL gate refuses (422): tg:alias must be language-tagged ("MS-13"@en).
PREFIX tg: <https://w3id.org/tregua/ontology#>
INSERT DATA {
  GRAPH <https://w3id.org/tregua/graph/notes> {
    <https://w3id.org/tregua/id/organization/ms13> tg:alias "Mara Salvatrucha" .
  }
}
