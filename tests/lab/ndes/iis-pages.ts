/**
 * Pages as IIS 10 and HTTP.sys write them (reference/scep.md §2.5–2.7), so the checks are
 * exercised against the same bytes a real server sends.
 */
export const IIS_HEADERS = { Server: 'Microsoft-IIS/10.0', 'X-Powered-By': 'ASP.NET' } as const;
export const HTTPSYS_HEADERS = { Server: 'Microsoft-HTTPAPI/2.0' } as const;

export const IIS_WELCOME = `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1" />
<title>IIS Windows Server</title>
<style type="text/css">
<!--
body {
	color:#000000;
	background-color:#0072C6;
	margin:0;
}

#container {
	margin-left:auto;
	margin-right:auto;
	text-align:center;
	}

a img {
	border:none;
}

-->
</style>
</head>
<body>
<div id="container">
<a href="http://go.microsoft.com/fwlink/?linkid=66138&amp;clcid=0x409"><img src="iisstart.png" alt="IIS" width="960" height="600" /></a>
</div>
</body>
</html>`;

function customError(title: string, h2: string, h3: string): string {
  return `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"/>
<title>${title}</title>
</head>
<body>
<div id="header"><h1>Server Error</h1></div>
<div id="content">
 <div class="content-container"><fieldset>
  <h2>${h2}</h2>
  <h3>${h3}</h3>
 </fieldset></div>
</div>
</body>
</html>`;
}

export const IIS_403 = customError(
  '403 - Forbidden: Access is denied.',
  '403 - Forbidden: Access is denied.',
  'You do not have permission to view this directory or page using the credentials that you supplied.',
);
export const IIS_404 = customError(
  '404 - File or directory not found.',
  '404 - File or directory not found.',
  'The resource you are looking for might have been removed, had its name changed, or is temporarily unavailable.',
);
export const IIS_500 = customError(
  '500 - Internal server error.',
  '500 - Internal server error.',
  'There is a problem with the resource you are looking for, and it cannot be displayed.',
);
export const IIS_401 = customError(
  '401 - Unauthorized: Access is denied due to invalid credentials.',
  '401 - Unauthorized: Access is denied due to invalid credentials.',
  'You do not have permission to view this directory or page using the credentials that you supplied.',
);

/** Detailed error, as IIS shows it to requests from the server itself. */
export function iisDetailed404(substatus: 14 | 15): string {
  const reason =
    substatus === 15
      ? 'The request filtering module is configured to deny a request where the query string is too long.'
      : 'The request filtering module is configured to deny a request where the URL is too long.';
  return `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<title>IIS 10.0 Detailed Error - 404.${substatus} - Not Found</title>
</head>
<body>
<div id="content">
<div class="content-container">
  <h3>HTTP Error 404.${substatus} - Not Found</h3>
  <h4>${reason}</h4>
</div>
</div>
</body>
</html>`;
}

function httpSys(title: string, text: string): string {
  return `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">\r\n<HTML><HEAD><TITLE>${title}</TITLE>\r\n<META HTTP-EQUIV="Content-Type" Content="text/html; charset=us-ascii"></HEAD>\r\n<BODY><h2>${title}</h2>\r\n<hr><p>${text}</p>\r\n</BODY></HTML>\r\n`;
}

export const HTTPSYS_414 = httpSys('Request URL Too Long', 'HTTP Error 414. The request URL is too long.');
export const HTTPSYS_503 = httpSys('Service Unavailable', 'HTTP Error 503. The service is unavailable.');

/** The NDES information page mscep.dll shows when no Intune policy module is loaded. */
export const NDES_INFO_PAGE = `<HTML><Head><Meta HTTP-Equiv="Content-Type" Content="text/html; charset=UTF-8"><Title>Network Device Enrollment Service</Title></Head><Body BgColor=#FFFFFF><Font ID=locPageFont Face="Arial"><Table Border=0 CellSpacing=0 CellPadding=4 Width=100%><TR><TD BgColor=#008080><Font Color=#FFFFFF><LocID ID=locMSCertSrv><Font Face="Arial" Size=-1><B><I>Network Device Enrollment Service</I></B></Font></LocID></Font></TD></TR></Table><P ID=locPageTitle> Network Device Enrollment Service allows you to obtain certificates for routers or other network devices using the Simple Certificate Enrollment Protocol (SCEP). </P><P> This URL is used by network devices to submit certificate requests. </P><P> To obtain an enrollment challenge password, go to the admin URL. By default, the admin URL is <A HREF="http://ndes01/CertSrv/mscep_admin">http://ndes01/CertSrv/mscep_admin</A> </P><P> For more information see <A HREF="http://go.microsoft.com/fwlink/?LinkId=67852">Using Network Device Enrollment Service </A>. </P></Font></Body></HTML>`;
