/* libxml2 is built with ICU, and its encoding.h would pull the system ICU headers into this
   module. Those clash with Foundation's own ICU copy ("UErrorCode ... is not present") in any
   Swift module that imports both. Only the *trailing* ICU fields of xmlCharEncodingHandler
   depend on this macro, and Swift never allocates or reads that struct, so hiding them is safe. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <libxml/encoding.h>
#include <libxml/xmlsave.h>
#include <libxml/xmlIO.h>
#include <libxml/SAX2.h>
#include <libxml/uri.h>
#include <stdlib.h>

/* xmlFree is a macro over a global function pointer; Swift 6 cannot touch that global safely,
   so release libxml2-allocated memory through this helper. */
static inline void dropbridge_xml_free(void *p) { xmlFree(p); }
