"""What the HTML pages show: entity descriptions, their view model, the ontology documents, the diagram."""
