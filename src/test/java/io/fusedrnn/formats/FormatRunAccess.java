package io.fusedrnn.formats;

import io.fusedrnn.formats.torch.TorchArchive;
import io.fusedrnn.model.Fixtures;

/** Test access to fixture archives from other test packages. */
public final class FormatRunAccess {
    private FormatRunAccess() {
    }

    /** The number of tensors a torch.save fixture holds. */
    public static int tensorCount(String fixture) {
        try (TorchArchive a = TorchArchive.open(Fixtures.path(fixture))) {
            return a.names().size();
        }
    }
}
