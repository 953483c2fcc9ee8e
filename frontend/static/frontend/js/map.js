/* Maps for Dugnad pages, attached through data- attributes (no inline scripts).
 *
 *   <div data-map data-geojson-url="/api/v1/requests/geojson/?near=…" data-link-template="/requests/{id}/"
 *        data-center="62.47,6.15" data-zoom="13" data-tiles="{url template or empty}" data-attribution="…"></div>
 *     shows the FeatureCollection's points; each popup links to the post (built with textContent, never HTML).
 *
 *   <div data-map-picker data-lat-input="id_lat" data-lon-input="id_lon" data-center="…" data-zoom="…"></div>
 *     a click (or Enter on the focused map, for keyboards) puts the pin there and fills the two inputs.
 *
 * Without tiles the points still show, on a plain background with a scale. Everything the maps do can also be done
 * without JavaScript through the forms and lists beside them.
 */
(function () {
  "use strict";

  function parseCenter(element) {
    var parts = (element.dataset.center || "62.4722,6.1495").split(",");
    return [parseFloat(parts[0]), parseFloat(parts[1])];
  }

  function baseMap(element) {
    var map = L.map(element, { keyboard: true }).setView(parseCenter(element), parseInt(element.dataset.zoom || "13", 10));
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: element.dataset.attribution || "" }).addTo(map);
    } else {
      element.classList.add("map-no-tiles");
    }
    L.control.scale({ imperial: false }).addTo(map);
    return map;
  }

  function popupFor(feature, linkTemplate) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    var props = feature.properties || {};
    link.href = linkTemplate.replace("{id}", encodeURIComponent(feature.id));
    link.textContent = props.title || "";
    box.appendChild(link);
    if (props.distance_km !== null && props.distance_km !== undefined) {
      var distance = document.createElement("p");
      distance.textContent = "≈ " + props.distance_km + " km";
      box.appendChild(distance);
    }
    return box;
  }

  function showPoints(element) {
    var map = baseMap(element);
    var url = element.dataset.geojsonUrl;
    if (!url) {
      return;
    }
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (collection) {
        var layer = L.geoJSON(collection, {
          pointToLayer: function (feature, latlng) {
            return L.circleMarker(latlng, { radius: 9, weight: 3, color: "#07402a", fillColor: "#0b5d3b", fillOpacity: 0.8 });
          },
          onEachFeature: function (feature, marker) {
            marker.bindPopup(popupFor(feature, element.dataset.linkTemplate || "#"));
          },
        }).addTo(map);
        element.dataset.loaded = String(collection.features.length);
        if (collection.features.length > 1) {
          map.fitBounds(layer.getBounds(), { maxZoom: 15, padding: [24, 24] });
        }
      })
      .catch(function () {
        element.dataset.loaded = "error";
      });
  }

  function pickPoint(element) {
    var map = baseMap(element);
    var latInput = document.getElementById(element.dataset.latInput);
    var lonInput = document.getElementById(element.dataset.lonInput);
    var marker = null;

    function place(latlng) {
      latInput.value = latlng.lat.toFixed(6);
      lonInput.value = latlng.lng.toFixed(6);
      if (marker) {
        marker.setLatLng(latlng);
      } else {
        marker = L.marker(latlng, { keyboard: false }).addTo(map);
      }
      element.dataset.picked = "true";
    }

    if (latInput.value && lonInput.value) {
      place(L.latLng(parseFloat(latInput.value), parseFloat(lonInput.value)));
    }
    map.on("click", function (event) {
      place(event.latlng);
    });
    element.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target === element) {
        event.preventDefault();
        place(map.getCenter());
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof L === "undefined") {
      return;
    }
    L.Icon.Default.imagePath = document.querySelector("meta[name=leaflet-images]").content;
    document.querySelectorAll("[data-map]").forEach(showPoints);
    document.querySelectorAll("[data-map-picker]").forEach(pickPoint);
  });
})();
