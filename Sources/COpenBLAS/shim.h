// Debian's libopenblas-dev puts cblas.h on the default include path (an alternatives symlink).
#include <cblas.h>
