// Boost.URL 1.81 as Debian ships it has headers and no library: its
// sources are compiled here, in exactly one translation unit.
#include <boost/url/src.hpp>
