package dev.vigil.engine.face;

import dev.vigil.engine.TestModels;
import dev.vigil.engine.model.ModelSession;
import dev.vigil.engine.model.SessionOptions;

/** BlazeFace and FaceRes from the test repository, as the face tests open them; closing closes both. */
public record FaceModels(ModelSession blazeface, ModelSession faceres) implements AutoCloseable {
    public static FaceModels open() {
        ModelSession detector = ModelSession.open(TestModels.repository(), "blazeface", SessionOptions.forCores(2));
        try {
            return new FaceModels(detector, ModelSession.open(TestModels.repository(), "faceres", SessionOptions.forCores(2)));
        } catch (RuntimeException e) {
            detector.close();
            throw e;
        }
    }

    @Override
    public void close() {
        blazeface.close();
        faceres.close();
    }
}
