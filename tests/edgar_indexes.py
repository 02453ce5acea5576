"""A filing's indexes as EDGAR generates them, for the test server: the detail page
``<accession>-index.htm`` (the same markup for every filer agent: the SEC's banner and scripts,
``formDiv`` blocks, ``formGrouping`` with ``infoHead``/``info`` pairs, the Items by title with
``<br />``, a "Document Format Files" ``tableFile`` whose rows alternate plain and ``evenRow``,
the primary document linked through the inline XBRL viewer, GRAPHIC rows without description,
the complete submission text file last, a "Data Files" table, the filer's addresses), the
folder listing ``index.json`` and the complete submission ``<accession>.txt`` (SGML)."""

from __future__ import annotations

import binascii
import html
import json

from .edgar_filings import CIK, CIK_NUMBER, ITEM_TITLES, Document, Filing


def _rows(filing: Filing, documents: list[Document]) -> str:
    rows = []
    for number, document in enumerate(documents):
        href = filing.path(document.name)
        link = f'<a href="{href}">{document.name}</a>'
        if document is filing.primary and filing.form == "8-K":
            link = f'<a href="/ix?doc={href}">{document.name}</a> &nbsp;&nbsp;'
            link += '<span style="color: green">iXBRL</span>'
        description = "" if document.type == "GRAPHIC" else html.escape(document.description)
        sequence = filing.documents.index(document) + 1
        rows.append(
            ('         <tr class="evenRow">\n' if number % 2 else "         <tr>\n")
            + f'            <td scope="row">{sequence}</td>\n'
            f'            <td scope="row">{description}</td>\n'
            f'            <td scope="row">{link}</td>\n'
            f'            <td scope="row">{document.type}</td>\n'
            f'            <td scope="row">{len(document.content)}</td>\n'
            "         </tr>\n"
        )
    return "".join(rows)


_TABLE = """<div class="formDiv">
   <div style="padding: 0px 0px 4px 0px; font-size: 12px; margin: 0px 2px 0px 5px; width: 100%; overflow:hidden">
      <p>{title}</p>
      <table class="tableFile" summary="{title}">
         <tr>
            <th scope="col" style="width: 5%;"><acronym title="Sequence Number">Seq</acronym></th>
            <th scope="col" style="width: 40%;">Description</th>
            <th scope="col" style="width: 20%;">Document</th>
            <th scope="col" style="width: 10%;">Type</th>
            <th scope="col">Size</th>
         </tr>
{rows}      </table>
   </div>
</div>
"""  # noqa: E501


# The SEC's page head as every detail page has it: analytics (a script with "<" in it), a notice
# for browsers without JavaScript, the navigation banner and the breadcrumbs.
_BANNER = """<!-- SEC Web Analytics - For information please visit: https://www.sec.gov/privacy.htm#collectedinfo -->
<noscript><iframe src="//www.googletagmanager.com/ns.html?id=GTM-TEST01"
height="0" width="0" style="display:none;visibility:hidden"></iframe></noscript>
<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':
new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],
j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src=
'//www.googletagmanager.com/gtm.js?id='+i+dl;if(f.parentNode&&0<1)f.parentNode.insertBefore(j,f);
})(window,document,'script','dataLayer','GTM-TEST01');</script>
<!-- End SEC Web Analytics -->
<noscript><div style="color:red; font-weight:bold; text-align:center;">This page uses Javascript. Your browser either doesn't support Javascript or you have it turned off. To see this page as it is meant to appear please use a Javascript enabled browser.</div></noscript>
<!-- BEGIN BANNER -->
<div  id="header" style="text-align: center;">
   <nav id="main-navbar" class="navbar navbar-expand">
      <ul class="navbar-nav">
         <li class="nav-item">
            <a class="nav__sec_link" href="https://www.sec.gov">
               <img src="/edgar/search/images/edgar-logo-2x.png" alt="" style="height:6.25rem">
            </a>
         </li>
         <li class="nav-item">
            <a class="nav__sec_link" href="https://www.sec.gov">
               <span class="link-text d-inline">SEC.gov</span>
            </a>
         </li>
         <li class="nav-item">
            <a class="nav__link" href="//www.sec.gov/submit-filings/about-edgar" id="edgar-short-form"><span class="link-text">EDGAR</span></a>
         </li>
      </ul>

      <ul class="navbar-nav ml-auto">
         <li class="nav-item">
			<a href="/cgi-bin/browse-edgar?action=getcurrent" class="nav__link">Latest Filings</a> 
         </li>
         <li class="nav-item">
            <a href="https://www.sec.gov/edgar/search-and-access" class="nav__link">Filings search tools</a>
         </li>
      </ul>
   </nav>
   <div style="position: absolute;width: 100%;"> <h1 style="position: relative;top: -60px;">Filing Detail</h1></div>
</div>
<!-- END BANNER -->


<!-- BEGIN BREADCRUMBS -->
<div id="breadCrumbs">
   <ul>
      <li><a href="/index.htm">SEC Home</a> &#187;</li>
      <li><a href="/edgar/searchedgar/companysearch.html">Company Search</a> &#187;</li>
      <li class="last">Current Page</li>
   </ul>
</div>
<!-- END BREADCRUMBS -->"""  # noqa: E501, W291


def index_page(filing: Filing, full_text_size: int) -> bytes:
    """The filing's detail page, ``<accession>-index.htm``."""
    accepted = filing.accepted_eastern.strftime("%Y-%m-%d %H:%M:%S")
    modified = filing.accepted.strftime("%a, %d %b %Y %H:%M:%S GMT")
    items = "".join(
        f"Item {code}: {html.escape(ITEM_TITLES.get(code, 'Other'))}<br />"
        for code in filing.items.split(",")
        if code
    )
    grouping = (
        '      <div class="formGrouping">\n         <div class="infoHead">Items</div>\n'
        f'         <div class="info">{items}</div>\n      </div>\n'
        if items
        else ""
    )
    report = (filing.report_date or filing.filing_date).isoformat()
    formats = [d for d in filing.documents if not d.data_file]
    rows = _rows(filing, formats)
    text_row = "evenRow" if len(formats) % 2 else ""
    rows += (
        (f'         <tr class="{text_row}">\n' if text_row else "         <tr>\n")
        + '            <td scope="row">&nbsp;</td>\n'
        '            <td scope="row">Complete submission text file</td>\n'
        f'            <td scope="row"><a href="{filing.text_path}">{filing.accession}.txt</a>'
        "</td>\n"
        '            <td scope="row">&nbsp;</td>\n'
        f'            <td scope="row">{full_text_size}</td>\n         </tr>\n'
    )
    tables = _TABLE.format(title="Document Format Files", rows=rows)
    data = [d for d in filing.documents if d.data_file]
    if data:
        tables += _TABLE.format(title="Data Files", rows=_rows(filing, data))
    page = f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<meta http-equiv="Last-Modified" content="{modified}" />
<title>EDGAR Filing Documents for {filing.accession}</title>
<link  rel="stylesheet" href="/edgar/search/global/css/bootstrap/bootstrap.min.css" type="text/css" />
<link rel="stylesheet" type="text/css" href="/include/interactive2.css" />
</head>
<body style="margin: 0; font-size: 16px; ">
{_BANNER}
<div id="contentDiv">
<!-- START FILING DIV -->
<div class="formDiv">
   <div id="formHeader">
      <div id="formName">
         <strong>Form {filing.form}</strong> - Current report:
      </div>
      <div id="secNum">
         <strong><acronym title="Securities and Exchange Commission">SEC</acronym> Accession <acronym title="Number">No.</acronym></strong> {filing.accession}
      </div>
   </div>
   <div class="formContent">
      <div class="formGrouping">
         <div class="infoHead">Filing Date</div>
         <div class="info">{filing.filing_date.isoformat()}</div>
         <div class="infoHead">Accepted</div>
         <div class="info">{accepted}</div>
         <div class="infoHead">Documents</div>
         <div class="info">{len(formats)}</div>
      </div>
      <div class="formGrouping">
         <div class="infoHead">Period of Report</div>
         <div class="info">{report}</div>
      </div>
{grouping}      <div style="clear:both"></div>
<!-- END FILING DIV -->
<!-- START DOCUMENT DIV -->
   <div style="padding: 4px 0px 4px 0px; font-size: 12px; margin: 0px 2px 0px 5px; width: 100%; overflow:hidden" id="seriesDiv">
      <a href="/cgi-bin/viewer?action=view&amp;cik={CIK_NUMBER}&amp;accession_number={filing.accession}&amp;xbrl_type=v" id="interactiveDataBtn">&nbsp;<button type="button" class="btn btn-primary">Interactive Data</button></a>
   </div>
  </div>
    </div>
{tables}<!-- END DOCUMENT DIV -->
<!-- START FILER DIV -->
<div class="filerDiv">
   <div class="mailer">Mailing Address
      <span class="mailerAddress">1 TESLA ROAD</span>
      <span class="mailerAddress">
AUSTIN       <span class="mailerAddress">TX</span>
78725      </span>
   </div>
   <div class="mailer">Business Address
      <span class="mailerAddress">1 TESLA ROAD</span>
      <span class="mailerAddress">
AUSTIN       <span class="mailerAddress">TX</span>
78725      </span>
      <span class="mailerAddress">512-516-8177</span>
   </div>
<div class="companyInfo">
  <span class="companyName">Tesla, Inc. (Filer)
 <acronym title="Central Index Key">CIK</acronym>: <a href="/cgi-bin/browse-edgar?CIK={CIK}&amp;action=getcompany">{CIK} (see all company filings)</a></span>
<p class="identInfo"><acronym title="Internal Revenue Service Number">EIN.</acronym>: <strong>912197729</strong> | State of Incorp.: <strong>TX</strong> | Fiscal Year End: <strong>1231</strong><br />Type: <strong>{filing.form}</strong> | Act: <strong>34</strong> | File No.: <a href="/cgi-bin/browse-edgar?filenum=001-34756&amp;action=getcompany"><strong>001-34756</strong></a><br /><acronym title="Standard Industrial Code">SIC</acronym>: <b><a href="/cgi-bin/browse-edgar?action=getcompany&amp;SIC=3711&amp;owner=include">3711</a></b> Motor Vehicles &amp; Passenger Car Bodies<br />(CF Office: 04 Manufacturing)</p>
</div>
<div class="clear"></div>
</div>
<!-- END FILER DIV -->
</div>
</body>
</html>
"""  # noqa: E501
    return page.encode("utf-8")


def index_json(filing: Filing, full_text_size: int) -> bytes:
    """The folder listing ``index.json``: names, icon names as types, sizes as strings."""
    stamp = filing.accepted_eastern.strftime("%Y-%m-%d %H:%M:%S")
    generated = [
        (f"{filing.accession}-index-headers.html", "text.gif", ""),
        (f"{filing.accession}-index.html", "text.gif", ""),
        (f"{filing.accession}.txt", "text.gif", ""),
        (f"{filing.accession}-xbrl.zip", "compressed.gif", "4821"),
    ]
    documents = [
        (d.name, "image2.gif" if d.type == "GRAPHIC" else "text.gif", str(len(d.content)))
        for d in filing.documents
    ]
    viewer = [
        ("FilingSummary.xml", "text.gif", "1691"),
        ("Financial_Report.xlsx", "text.gif", "5817"),
        ("MetaLinks.json", "text.gif", "21572"),
        ("R1.htm", "text.gif", "42096"),
        ("report.css", "text.gif", "2767"),
        ("Show.js", "text.gif", "1085"),
    ]
    items = [
        {"last-modified": stamp, "name": name, "type": kind, "size": size}
        for name, kind, size in generated + documents + viewer
    ]
    listing = {
        "directory": {
            "item": items,
            "name": filing.folder,
            "parent-dir": f"/Archives/edgar/data/{CIK_NUMBER}",
        }
    }
    return json.dumps(listing, indent=2).encode()


def full_text(filing: Filing) -> bytes:
    """The complete submission text file, ``<accession>.txt``."""
    eastern = filing.accepted_eastern
    day = filing.filing_date.strftime("%Y%m%d")
    report = (filing.report_date or filing.filing_date).strftime("%Y%m%d")
    items = "".join(
        f"ITEM INFORMATION:\t\t{ITEM_TITLES.get(code, 'Other')}\n"
        for code in filing.items.split(",")
        if code
    )
    parts = [
        f"<SEC-DOCUMENT>{filing.accession}.txt : {day}\n"
        f"<SEC-HEADER>{filing.accession}.hdr.sgml : {day}\n"
        f"<ACCEPTANCE-DATETIME>{eastern:%Y%m%d%H%M%S}\n"
        f"ACCESSION NUMBER:\t\t{filing.accession}\n"
        f"CONFORMED SUBMISSION TYPE:\t{filing.form}\n"
        f"PUBLIC DOCUMENT COUNT:\t\t{len(filing.documents)}\n"
        f"CONFORMED PERIOD OF REPORT:\t{report}\n{items}"
        f"FILED AS OF DATE:\t\t{day}\nDATE AS OF CHANGE:\t\t{day}\n\nFILER:\n\n"
        "\tCOMPANY DATA:\t\n\t\tCOMPANY CONFORMED NAME:\t\t\tTesla, Inc.\n"
        f"\t\tCENTRAL INDEX KEY:\t\t\t{CIK}\n</SEC-HEADER>\n"
    ]
    for sequence, document in enumerate(filing.documents, start=1):
        described = "" if document.type == "GRAPHIC" else f"<DESCRIPTION>{document.description}\n"
        head = (
            f"<DOCUMENT>\n<TYPE>{document.type}\n<SEQUENCE>{sequence}\n"
            f"<FILENAME>{document.name}\n{described}<TEXT>\n"
        )
        if document.type == "GRAPHIC":
            content = document.content
            lines = [
                binascii.b2a_uu(content[i : i + 45]).decode() for i in range(0, len(content), 45)
            ]
            body = f"begin 644 {document.name}\n{''.join(lines)}`\nend\n"
        elif document is filing.primary or document.data_file:
            body = "<XBRL>\n" + document.content.decode("latin-1") + "\n</XBRL>\n"
        else:
            body = document.content.decode("latin-1")
        parts.append(f"{head}{body}</TEXT>\n</DOCUMENT>\n")
    parts.append("</SEC-DOCUMENT>\n")
    return "".join(parts).encode("latin-1")
