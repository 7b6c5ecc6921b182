package dev.vigil.models.tfjs;

import dev.vigil.models.ImportException;

/** Placeholder until the layers importer lands from its branch. */
public final class LayersModelImporter {
    private LayersModelImporter() {
    }

    public static ImportedGraph importModel(TfjsModel model) {
        throw new ImportException(model.name(), "layers models are not supported yet");
    }
}
