package dev.vigil.engine.face;

import java.util.List;

/**
 * One face BlazeFace found, in pixels of the original image (x to the right, y down), as
 * human reports it: the detector's box scaled from its 256 × 256 input by the image's width
 * and height over 256. Immutable.
 *
 * @param x         left edge of the detector's box
 * @param y         top edge of the detector's box
 * @param width     width of the detector's box (the model's own estimate; may reach past the image)
 * @param height    height of the detector's box
 * @param score     sigmoid of the detector's logit, 0..1
 * @param landmarks the 6 BlazeFace keypoints, in the order of {@link Landmark}
 * @param crop      the region the face-attribute model sees: the box enlarged around its
 *                  centre and squared, as human cuts it (see {@link BlazeFaceDecoder})
 */
public record FaceBox(double x, double y, double width, double height, float score, List<Point> landmarks, CropBox crop) {
    public FaceBox {
        landmarks = List.copyOf(landmarks);
        if (landmarks.size() != Landmark.values().length) {
            throw new IllegalArgumentException("landmarks: " + landmarks.size() + " (expected: " + Landmark.values().length + ")");
        }
    }

    public double centerX() {
        return x + width / 2;
    }

    public double centerY() {
        return y + height / 2;
    }

    public Point landmark(Landmark which) {
        return landmarks.get(which.ordinal());
    }

    /** A point in image pixels. */
    public record Point(double x, double y) {
    }

    /**
     * BlazeFace's keypoints in output order. Sides are the image's, not the subject's:
     * human 3.3.6 ({@code facemeshcoords.ts blazeFaceLandmarks}) names them leftEye, rightEye,
     * nose, mouth, leftEar, rightEar, and on a frontal face keypoint 0 lies left of keypoint 1.
     */
    public enum Landmark {
        IMAGE_LEFT_EYE, IMAGE_RIGHT_EYE, NOSE_TIP, MOUTH_CENTER, IMAGE_LEFT_EAR, IMAGE_RIGHT_EAR
    }
}
