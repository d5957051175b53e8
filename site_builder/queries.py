"""The GraphQL queries the builder sends: the whole contract between the CMS and the static site.

Aliases (`introOptional`, `documentTitle`) keep fields of the same name but another nullability apart, as
GraphQL's validation requires. One request pulls every live page (`sitePages`, loaded in bulk by the CMS in a constant number of SQL
queries); fragments select what each page type needs. An incremental build first asks for `sitePageIndex`
(every live page's version) and then pulls only the pages that changed (`sitePages(ids: …)`); a full build
pulls every page that way, in chunks fetched side by side (pull.py; SITE_PULL stays for the preview). Images
ask for their renditions as one JSON value (`siteRenditions: siteRenditionsJson`, the same list as the typed
field): 24 typed fields per image were more than half the fields graphene resolved. For the same reason a
page's StreamFields come as one JSON value each (`body: bodyJson`, `photos: photosJson`; cms/api/stream_json.py)
in the shape of the `Blocks` fragment below, which stays the contract of that shape: tests/test_stream_json.py
holds `bodyJson` equal to what `body { ...Blocks }` answers. Tests run these exact strings against the CMS.
"""

IMAGE = """
fragment Img on CustomImage {
  id alt credit width height
  siteRenditions: siteRenditionsJson
}
"""

BLOCKS = """
fragment Blocks on StreamFieldInterface {
  blockType field id
  ... on RichTextBlock { value }
  ... on HeadingBlock { text level }
  ... on ImageBlock { caption credit image { ...Img } }
  ... on ListBlock { items { ... on GalleryItemBlock { caption image { ...Img } } } }
  ... on QuoteBlock { text attribution role }
  ... on VideoBlock { url title provider transcript poster { ...Img } }
  ... on KeyFigureBlock { value unit text }
  ... on CallToGiveBlock { text buttonLabel project { id } }
  ... on DocumentBlock { documentTitle: title fileUrl document { title fileSize file } }
  ... on SpendingSummaryBlock { heading showProjects }
}
"""

PAGE_COMMON = """
fragment Common on PageInterface {
  id title slug urlPath contentType seoTitle searchDescription lastPublishedAt firstPublishedAt
}
"""

GLOBALS = """
fragment Globals on Query {
  donationRules { currency minAmount maxAmount feeRateBp feeFixed suggestions }
  donationTotals { slug raised currency donors }
  siteTotals { raised currency donors }
  # money spent (cms/transparency): approved disbursements only; `raised` is online gifts + grants
  projectSpending {
    slug currency planned raised grants spent overspent
    lines { label planned spent }
    disbursements { id date amount currency budgetLine description proofs { title kind url } }
  }
  siteSpending { currency planned raised grants spent }
  donorWall { project name day }
  siteSettings: sites { siteName hostname }
  settings: setting(name: "SiteSettings") {
    ... on SiteSettings {
      tagline contactEmail transparencyNote
      mainMenu { title url path }
      footerMenu { title url path }
    }
  }
  # public redirects only (cms/api/visibility.py); site_builder/redirects.py keeps the default site's
  redirects { oldPath isPermanent newUrl site { isDefaultSite } page { urlPath } }
}
"""

PAGE = """
fragment Page on PageInterface {
    ...Common
    ... on HomePage { intro heroImage { ...Img } body: bodyJson }
    ... on StandardPage { introOptional: intro body: bodyJson }
    ... on ProjectIndexPage { introOptional: intro }
    ... on StoryIndexPage { introOptional: intro }
    ... on ProjectPage {
      summary heroImage { ...Img }
      theme { ... on ProjectTheme { name slug color } }
      country countryName region latitude longitude status statusLabel startDate endDate
      goalAmount currency beneficiaries featured
      keyFigures { value unit label }
      suggestedAmounts { amount label }
      budgetLines { label amount }
      body: bodyJson
      galleryImages { caption image { ...Img } }
      partners { ... on Partner { name slug url } }
      updates { date title text photos: photosJson placeName latitude longitude disbursements { id } }
    }
    ... on StoryPage {
      date author intro heroImage { ...Img }
      body: bodyJson
      relatedProjects { id }
      tags { name }
    }
}
"""

SITE_PULL = IMAGE + PAGE_COMMON + PAGE + GLOBALS + """
query SitePull($locale: String) {
  sitePageIndex(locale: $locale)
  sitePages(locale: $locale) { ...Page }
  ...Globals
}
"""

# The pages an incremental build found changed.
SITE_PAGES = IMAGE + PAGE_COMMON + PAGE + """
query SitePages($locale: String, $ids: [ID!]) {
  sitePages(locale: $locale, ids: $ids) { ...Page }
}
"""

# Only what an incremental build needs to decide what to fetch: versions, and what every page shows.
SITE_INDEX = GLOBALS + """
query SiteIndex($locale: String) {
  sitePageIndex(locale: $locale)
  ...Globals
}
"""
